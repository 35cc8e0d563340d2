/**
 * HTTP routes that publish the common data model, for the registry to mount: the list at
 * `GET /model` and each schema at the path of its id (`GET /model/person/1` serves
 * `https://simpul.go.id/model/person/1`), as `application/schema+json`.
 */
import { Type } from '@sinclair/typebox';
import { SimpulError } from '../errors.js';
import type { HttpApp } from '../http/app.js';
import { modelId, parseModelId, type ModelName } from './model-id.js';
import { getModelSchema, listModelIds, MODEL_SCHEMAS } from './model-registry.js';

export const SCHEMA_CONTENT_TYPE = 'application/schema+json';

/**
 * @example
 *   const app = await createHttpApp({ title: 'Simpul registry' });
 *   registerModelRoutes(app);
 */
export function registerModelRoutes(app: HttpApp): void {
  app.get(
    '/model',
    {
      schema: {
        summary: 'The common data model: every schema a service can declare',
        tags: ['model'],
        response: {
          200: Type.Object({
            models: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), version: Type.Integer(), title: Type.String() })),
          }),
        },
      },
    },
    async () => ({
      models: listModelIds().map((id) => {
        const { name, version } = parseModelId(id) as { name: string; version: number };
        return { id, name, version, title: (getModelSchema(id)?.title ?? name) };
      }),
    }),
  );

  app.get(
    '/model/:name/:version',
    {
      schema: {
        summary: 'One schema of the common data model (JSON Schema 2020-12)',
        tags: ['model'],
        params: Type.Object({ name: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), version: Type.String({ pattern: '^[1-9][0-9]*$' }) }),
      },
    },
    async (request, reply) => {
      const id = modelId(request.params.name as ModelName, Number(request.params.version));
      const schema = MODEL_SCHEMAS.find((s) => s.$id === id);
      if (!schema) throw new SimpulError('request.not_found', `No common-data-model schema ${id}.`);
      return reply.type(SCHEMA_CONTENT_TYPE).header('cache-control', 'public, max-age=86400, immutable').send(JSON.stringify(schema));
    },
  );
}
