/**
 * How an agency declares the backend of a service: JSON, no code. `type` selects the adapter;
 * every adapter but `http` serves declared operations (a method and a path template), binds
 * their parameters, and maps answers to the common data model with JSONata expressions.
 * The schema below is the reference; docs/adapters.md explains it with complete examples.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SimpulError } from '../core/errors.js';
import type { HttpBackendConfig } from './http.js';

const Expression = (description: string) => Type.String({ minLength: 1, maxLength: 20_000, description });
const Milliseconds = (description: string) => Type.Integer({ minimum: 1, maximum: 600_000, description });
const Bytes = (description: string) => Type.Integer({ minimum: 1, maximum: 1024 * 1024 * 1024, description });
const Headers = Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String(), {
  description: 'Extra HTTP headers for the agency system; values may name environment variables as ${NAME}.',
});
/** A closed set of strings, as one `enum` (its errors list the allowed values, unlike a union of constants). */
const Enum = <const T extends string>(values: readonly T[], options: { description?: string } = {}) => Type.Unsafe<T>({ type: 'string', enum: values, ...options });
const Method = Enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Fields every declared operation has, whatever the adapter. */
const operationBase = {
  method: Type.Optional(Method),
  path: Type.String({
    pattern: '^(/([A-Za-z0-9._~-]+|\\{[A-Za-z_][A-Za-z0-9_]*\\}))*/?$',
    description: 'Path after the service code, with {name} segments bound as parameters, e.g. "/{nik}" or "/by-nik/{nik}". "" or "/" is the service itself.',
  }),
  summary: Type.Optional(Type.String({ maxLength: 200 })),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), {
    description: 'JSON Schema (2020-12) of the object of path and query parameters; values are coerced to the declared types and checked before anything reaches the agency system.',
  })),
};

const limits = {
  timeoutMs: Type.Optional(Milliseconds('How long to wait for the agency system (default 10000).')),
  maxRequestBytes: Type.Optional(Bytes('Largest request body accepted (default 1 MiB); larger bodies are refused with request.body_too_large.')),
  maxResponseBytes: Type.Optional(Bytes('Largest answer read from the agency system (default 10 MiB).')),
};

export const HttpBackendConfigSchema = Type.Object({
  type: Type.Literal('http'),
  url: Type.String({ minLength: 1 }),
  timeoutMs: Type.Optional(Milliseconds('How long to wait for the agency system.')),
  maxResponseBytes: Type.Optional(Bytes('Largest answer read from the agency system.')),
  headers: Type.Optional(Headers),
}, { additionalProperties: false });

export const RestOperationSchema = Type.Object({
  ...operationBase,
  upstream: Type.Object({
    method: Type.Optional(Method),
    path: Type.String({ description: 'RFC 6570 level-1 template over the parameters, e.g. "/penduduk/{nik}"; values are percent-encoded.' }),
    query: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Query parameters to send: name → template.' })),
    body: Type.Optional(Expression('JSONata over the request body (with $params) giving the JSON body to send.')),
  }, { additionalProperties: false }),
  response: Type.Optional(Expression('JSONata over the JSON answer (with $params, $status, $headers) giving the model record. No result means not found.')),
  notFoundStatus: Type.Optional(Type.Array(Type.Integer({ minimum: 400, maximum: 599 }), { description: 'Answer statuses that mean "no such record" (default [404]).' })),
}, { additionalProperties: false });

export const RestBackendConfigSchema = Type.Object({
  type: Type.Literal('rest'),
  baseUrl: Type.String({ minLength: 1, description: 'Base URL of the agency system; may name environment variables as ${NAME}.' }),
  headers: Type.Optional(Headers),
  ...limits,
  operations: Type.Array(RestOperationSchema, { minItems: 1 }),
}, { additionalProperties: false });

export const SoapOperationSchema = Type.Object({
  ...operationBase,
  operation: Type.String({ minLength: 1, description: 'The WSDL operation to call.' }),
  service: Type.Optional(Type.String({ description: 'WSDL service, when the WSDL defines several.' })),
  port: Type.Optional(Type.String({ description: 'WSDL port, when the service has several.' })),
  input: Type.Optional(Expression('JSONata over the parameters (the request body is $body) giving the operation input.')),
  response: Type.Optional(Expression('JSONata over the operation output (with $params) giving the model record. No result means not found.')),
  notFoundFault: Type.Optional(Expression('JSONata over the fault {code, reason, detail}; true means the fault says "no such record" (404).')),
}, { additionalProperties: false });

export const SoapBackendConfigSchema = Type.Object({
  type: Type.Literal('soap'),
  wsdl: Type.String({ minLength: 1, description: 'URL (often the service URL with ?wsdl) or file path of the WSDL.' }),
  endpoint: Type.Optional(Type.String({ description: 'Address to call instead of the one in the WSDL.' })),
  soapVersion: Type.Optional(Enum(['1.1', '1.2'], { description: 'Default 1.1.' })),
  headers: Type.Optional(Headers),
  ...limits,
  operations: Type.Array(SoapOperationSchema, { minItems: 1 }),
}, { additionalProperties: false });

export const CsvOperationSchema = Type.Object({
  ...operationBase,
  result: Enum(['one', 'many'], { description: '"one": the first matching row, 404 when none; "many": a page of matching rows.' }),
  match: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Exact match: column → parameter. Indexed, so lookups are constant time.' })),
  filters: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Optional equality filters: column → query parameter; applied when the parameter is given.' })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Default page size for "many" (default 50); ?limit= and ?offset= page.' })),
  maxPageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Largest ?limit= accepted (default 500).' })),
  response: Type.Optional(Expression('JSONata over one row (column → text, with $params) giving the model record.')),
}, { additionalProperties: false });

export const CsvBackendConfigSchema = Type.Object({
  type: Type.Literal('csv'),
  folder: Type.String({ minLength: 1, description: 'Folder the agency system drops its exports into.' }),
  file: Type.Optional(Type.String({ minLength: 1, description: 'File name pattern, * matching any text (default "*.csv"); the newest settled file is served.' })),
  delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, description: 'Default ",". Exports from spreadsheets set to Indonesian often use ";".' })),
  encoding: Type.Optional(Enum(['utf-8', 'latin1'], { description: 'Default utf-8.' })),
  columns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Columns the header row must have; a file without them is refused.' })),
  pollIntervalMs: Type.Optional(Milliseconds('How often to look for a new file (default 5000).')),
  settleMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, description: 'A file must be unchanged this long before it is read (default 2000), so a half-written export is not read.' })),
  maxFileBytes: Type.Optional(Bytes('Largest export accepted (default 256 MiB).')),
  maxRequestBytes: limits.maxRequestBytes,
  operations: Type.Array(CsvOperationSchema, { minItems: 1 }),
}, { additionalProperties: false });

export const SqlOperationSchema = Type.Object({
  ...operationBase,
  result: Enum(['one', 'many'], { description: '"one": the first row, 404 when none; "many": the rows, at most maxRows.' }),
  sql: Type.String({ minLength: 1, maxLength: 20_000, description: 'One SELECT (or WITH … SELECT) using $1, $2, … for the parameters.' }),
  bind: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Parameter names bound to $1, $2, … in order.' })),
  response: Type.Optional(Expression('JSONata over one row (column → value, with $params) giving the model record.')),
}, { additionalProperties: false });

export const SqlBackendConfigSchema = Type.Object({
  type: Type.Literal('sql'),
  url: Type.Optional(Type.String({ minLength: 1, description: 'postgres:// URL of a read-only role; may name environment variables as ${NAME}.' })),
  database: Type.Optional(Type.String({ minLength: 1, description: 'Name of an embedded database the host process hands to createBackend (the demo); instead of url.' })),
  schema: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', description: 'Schema holding the tables or views.' }),
  statementTimeoutMs: Type.Optional(Milliseconds('Longest a query may run (default 5000).')),
  maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Most rows one answer carries (default 1000); more are cut and the answer says truncated.' })),
  poolSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  maxRequestBytes: limits.maxRequestBytes,
  operations: Type.Array(SqlOperationSchema, { minItems: 1 }),
}, { additionalProperties: false });

export const BackendConfigSchema = Type.Union([
  HttpBackendConfigSchema,
  RestBackendConfigSchema,
  SoapBackendConfigSchema,
  CsvBackendConfigSchema,
  SqlBackendConfigSchema,
]);

export type RestBackendConfig = Static<typeof RestBackendConfigSchema>;
export type RestOperation = Static<typeof RestOperationSchema>;
export type SoapBackendConfig = Static<typeof SoapBackendConfigSchema>;
export type SoapOperation = Static<typeof SoapOperationSchema>;
export type CsvBackendConfig = Static<typeof CsvBackendConfigSchema>;
export type CsvOperation = Static<typeof CsvOperationSchema>;
export type SqlBackendConfig = Static<typeof SqlBackendConfigSchema>;
export type SqlOperation = Static<typeof SqlOperationSchema>;
export type { HttpBackendConfig };

/** A service's backend declaration; `type` discriminates. */
export type BackendConfig = HttpBackendConfig | RestBackendConfig | SoapBackendConfig | CsvBackendConfig | SqlBackendConfig;
export type BackendType = BackendConfig['type'];

const SCHEMAS: Record<BackendType, TSchema> = {
  http: HttpBackendConfigSchema,
  rest: RestBackendConfigSchema,
  soap: SoapBackendConfigSchema,
  csv: CsvBackendConfigSchema,
  sql: SqlBackendConfigSchema,
};

let checker: Ajv2020 | undefined;

/**
 * Checks a declaration read from JSON and returns it typed. Errors name the JSON path, so an
 * integration engineer can fix the file: `request.invalid` with `errors: [{ path, message }]`.
 *
 * @example
 *   const config = parseBackendConfig(JSON.parse(await readFile('student-backend.json', 'utf8')));
 */
export function parseBackendConfig(value: unknown): BackendConfig {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) {
    throw new SimpulError('request.invalid', `A backend declaration needs "type": one of ${Object.keys(SCHEMAS).map((t) => `"${t}"`).join(', ')}.`, { errors: [{ path: '/type', message: 'unknown backend type' }] });
  }
  checker ??= new Ajv2020({ allErrors: true, strict: false });
  const validate = checker.compile(SCHEMAS[type as BackendType]);
  if (!validate(value)) {
    const errors = (validate.errors ?? []).slice(0, 20).map((e) => ({
      path: e.instancePath,
      message:
        e.keyword === 'additionalProperties' ? `has no setting ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`
        : e.keyword === 'enum' ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
        : (e.message ?? 'is invalid'),
    }));
    throw new SimpulError('request.invalid', `The ${type} backend declaration is invalid: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}.`, { errors });
  }
  if (type === 'sql') {
    const sql = value as SqlBackendConfig;
    if ((sql.url === undefined) === (sql.database === undefined)) {
      throw new SimpulError('request.invalid', 'A sql backend declaration needs exactly one of "url" and "database".', { errors: [{ path: '', message: 'needs exactly one of url, database' }] });
    }
  }
  return value as BackendConfig;
}

/**
 * Replaces `${NAME}` with the environment variable NAME, so secrets stay out of declarations.
 * A missing variable is a configuration error, not an empty string.
 */
export function resolveEnv(text: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined) throw new SimpulError('request.invalid', `${where} names the environment variable ${name}, which is not set.`);
    return value;
  });
}
