import { z } from 'zod';

/**
 * Make's documented component schema, as far as the Make app uses it, written from the docs
 * (docs/zapier-facts.md §10; the pages of developers.make.com/custom-apps-documentation named
 * there) and from the Make Apps Editor's own types (`integromat/vscode-apps-sdk`:
 * `makecomapp.schema.json`, `makecomapp.types.ts`, `code-type.types.ts`,
 * `component-types.types.ts`). Objects are strict: a key Make does not document is an error.
 */

const iml = z.string();
const imlOrValue = z.union([iml, z.number(), z.boolean(), z.null()]);
const anyIml: z.ZodType = z.lazy(() =>
  z.union([imlOrValue, z.array(anyIml), z.record(z.string(), anyIml)]),
);

/** `makecomapp.json` [mkvsc makecomapp.schema.json, makecomapp.types.ts]. */
const codeFiles = z.record(z.string(), z.string());
const componentMetadata = z
  .object({
    label: z.string().min(1),
    description: z.string().optional(),
    connectionType: z.enum(['basic', 'oauth']).optional(),
    webhookType: z.enum(['web', 'web-shared']).optional(),
    moduleType: z
      .enum(['trigger', 'action', 'search', 'instant_trigger', 'responder', 'universal'])
      .optional(),
    actionCrud: z.enum(['create', 'read', 'update', 'delete']).nullable().optional(),
    connection: z.string().nullable().optional(),
    altConnection: z.string().nullable().optional(),
    webhook: z.string().nullable().optional(),
    codeFiles,
  })
  .strict();
export const makecomappSchema = z
  .object({
    fileVersion: z.number(),
    generalCodeFiles: z
      .object({
        base: z.string().nullable(),
        common: z.string().nullable(),
        groups: z.string().nullable(),
        readme: z.string().nullable(),
      })
      .strict(),
    components: z
      .object({
        connection: z.record(z.string(), componentMetadata),
        webhook: z.record(z.string(), componentMetadata),
        module: z.record(z.string(), componentMetadata),
        rpc: z.record(z.string(), componentMetadata),
        function: z.record(z.string(), componentMetadata),
      })
      .strict(),
    origins: z.array(
      z
        .object({
          label: z.string().optional(),
          baseUrl: z.string(),
          appId: z.string(),
          appVersion: z.number(),
          apikeyFile: z.string(),
          idMapping: z.unknown().optional(),
        })
        .strict(),
    ),
  })
  .strict();

/** The code files each component type has [mkvsc code-type.types.ts, component-code-def.ts]. */
export const CODE_FILES: Record<string, readonly string[]> = {
  connection: ['communication', 'params', 'common'],
  webhook: ['communication', 'params', 'attach', 'detach', 'update', 'requiredScope'],
  module: ['communication', 'epoch', 'staticParams', 'mappableParams', 'interface', 'samples'],
  rpc: ['communication', 'params'],
};

/** Error types of `response.error` [docs mk component-blocks/api "error"]. */
const errorType = z.enum([
  'RuntimeError',
  'DataError',
  'RateLimitError',
  'OutOfSpaceError',
  'ConnectionError',
  'InvalidConfigurationError',
  'InvalidAccessTokenError',
  'IncompleteDataError',
  'DuplicateDataError',
]);
const errorSpec = z
  .object({ message: iml.optional(), type: errorType.optional() })
  .catchall(z.object({ message: iml.optional(), type: errorType.optional() }).strict())
  .refine(
    (spec) =>
      Object.keys(spec).every((key) => ['message', 'type'].includes(key) || /^\d{3}$/.test(key)),
    'error keys are message, type or an HTTP status',
  );

/** `response` [docs mk component-blocks/api "Response", polling trigger "response.trigger"]. */
const response = z
  .object({
    type: z.string().optional(),
    temp: anyIml.optional(),
    iterate: z
      .union([iml, z.object({ container: iml, condition: anyIml.optional() }).strict()])
      .optional(),
    trigger: z
      .object({
        type: z.enum(['id', 'date']),
        order: z.enum(['asc', 'desc', 'unordered']),
        id: iml,
        date: iml.optional(),
      })
      .strict()
      .optional(),
    output: anyIml.optional(),
    wrapper: anyIml.optional(),
    valid: anyIml.optional(),
    limit: z.union([iml, z.number()]).optional(),
    error: errorSpec.optional(),
    data: anyIml.optional(), // attach: saved as the `webhook` collection [docs mk webhooks/dedicated/attached]
    metadata: z
      .object({ type: z.enum(['text', 'email']), value: iml })
      .strict()
      .optional(),
  })
  .strict();

const flatObject = z.record(z.string(), imlOrValue);

/** One request (a module's, an RPC's, attach/detach, the connection check) [docs mk api]. */
export const requestSchema = z
  .object({
    url: iml.optional(),
    encodeUrl: z.boolean().optional(),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
    qs: flatObject.optional(),
    headers: flatObject.optional(),
    body: anyIml.optional(),
    type: z
      .enum(['json', 'urlencoded', 'multipart/form-data', 'binary', 'text', 'string', 'raw'])
      .optional(),
    condition: anyIml.optional(),
    temp: anyIml.optional(),
    response: response.optional(),
    pagination: z
      .object({
        mergeWithParent: z.boolean().optional(),
        url: iml.optional(),
        method: z.string().optional(),
        headers: flatObject.optional(),
        qs: flatObject.optional(),
        body: anyIml.optional(),
        condition: anyIml.optional(),
      })
      .strict()
      .optional(),
    log: z
      .object({ sanitize: z.array(z.string()) })
      .strict()
      .optional(),
  })
  .strict();

/** The base [docs mk app-components/base]: baseUrl, headers, qs, body, response, log. */
export const baseSchema = z
  .object({
    baseUrl: iml,
    headers: flatObject.optional(),
    qs: flatObject.optional(),
    body: anyIml.optional(),
    response: z.object({ error: errorSpec.optional() }).strict().optional(),
    log: z
      .object({ sanitize: z.array(z.string()) })
      .strict()
      .optional(),
  })
  .strict();

/** A dedicated webhook's communication [docs mk app-components/webhooks "Specification"]. */
const respond = z
  .object({
    type: z.enum(['json', 'urlencoded', 'text']).optional(),
    status: z.union([iml, z.number()]).optional(),
    headers: z.record(z.string(), iml).optional(),
    body: anyIml.optional(),
  })
  .strict();
export const webhookCommunicationSchema = z
  .object({
    verification: z.object({ condition: anyIml, respond }).strict().optional(),
    respond: respond.optional(),
    iterate: z
      .union([iml, z.object({ container: iml, condition: anyIml.optional() }).strict()])
      .optional(),
    output: anyIml.optional(),
    condition: anyIml.optional(),
    uid: iml.optional(),
  })
  .strict();

/** Parameters [docs mk block-elements/parameters: text, select, boolean, array, url, ...]. */
const option = z.object({ label: z.string(), value: z.union([z.string(), z.number()]) }).strict();
export const parameterSchema: z.ZodType = z.lazy(() =>
  z
    .object({
      name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/),
      type: z.enum([
        'text',
        'password',
        'select',
        'boolean',
        'array',
        'collection',
        'url',
        'uinteger',
        'integer',
        'number',
        'date',
        'email',
      ]),
      label: z.string().min(1),
      help: z.string().optional(),
      required: z.boolean().optional(),
      default: z.unknown().optional(),
      multiple: z.boolean().optional(),
      options: z.union([z.array(option), z.string().regex(/^rpc:\/\/[A-Za-z]\w*$/)]).optional(),
      validate: z
        .object({
          pattern: z.string().optional(),
          min: z.number().optional(),
          max: z.number().optional(),
        })
        .strict()
        .optional(),
      spec: z
        .union([
          z.array(parameterSchema),
          z.object({ type: z.string(), label: z.string().optional() }).strict(),
        ])
        .optional(),
    })
    .strict(),
);

/** Output interface items [docs mk modules "Interface"]. */
export const interfaceItemSchema: z.ZodType = z.lazy(() =>
  z
    .object({
      name: z.string(),
      label: z.string(),
      type: z.enum([
        'text',
        'number',
        'uinteger',
        'boolean',
        'date',
        'array',
        'collection',
        'any',
        'url',
      ]),
      spec: z
        .union([z.array(interfaceItemSchema), z.object({ type: z.string() }).strict()])
        .optional(),
    })
    .strict(),
);

/** Groups [docs mk "groups"]: labelled lists of module names. */
export const groupsSchema = z.array(
  z.object({ label: z.string(), modules: z.array(z.string()).min(1) }).strict(),
);
