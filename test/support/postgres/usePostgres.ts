// The `postgres` jest project: the tests' stores are Postgres databases (testPostgres.ts).
process.env.BRIDGE_TEST_STORE = 'postgres';
