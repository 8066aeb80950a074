// Flat config: typescript-eslint's recommended rules; formatting is prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'data/',
      'build/',
      'coverage/',
      'reports/',
      '.stryker-tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
      // zapier-platform-core wraps `http.request` for the whole process with a wrapper that
      // takes (options, callback) only: the (url, options, callback) form lost its callback and
      // signal there and hung the bridge's polls in a jest worker that had loaded the Zapier app
      // (bridge/threecx/threecxTransport.ts, test/threecx/threecxTransport.test.ts).
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[arguments.length=3][arguments.2.type=/FunctionExpression$/]:matches([callee.name='request'], [callee.property.name='request'], [callee.object.name=/^https?$/][callee.property.name='get'])",
          message:
            'Give http(s).request / get one options object and a callback (urlToHttpOptions(new URL(url)) for a URL): zapier-platform-core wraps http.request with an (options, callback)-only wrapper.',
        },
      ],
    },
  },
  {
    // The dashboard's script runs in the browser (bridge/dashboard/public).
    files: ['bridge/dashboard/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        document: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        Intl: 'readonly',
        CSS: 'readonly',
      },
    },
  },
);
