import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createHttpApp, type HttpApp } from '../http/app.js';
import { registerModelRoutes } from './model-routes.js';

describe('published common data model', () => {
  let app: HttpApp;
  before(async () => {
    app = await createHttpApp({ title: 'model test', logLevel: 'silent' });
    registerModelRoutes(app);
    await app.ready();
  });
  after(() => app.close());

  it('lists every entity schema with its id', async () => {
    const answer = await app.inject({ method: 'GET', url: '/model' });
    assert.equal(answer.statusCode, 200);
    const names = answer.json().models.map((m: { name: string }) => m.name).sort();
    assert.deepEqual(names, ['business', 'household', 'patient', 'permit', 'person', 'respondent', 'student']);
  });

  it('serves each schema at the path of its id, usable by any 2020-12 validator', async () => {
    const person = await app.inject({ method: 'GET', url: '/model/person/1' });
    assert.equal(person.statusCode, 200);
    assert.match(String(person.headers['content-type']), /^application\/schema\+json/);
    assert.equal(person.json().$id, 'https://simpul.go.id/model/person/1');
    // A consumer's own validator, fetching the shared definitions the same way, without Simpul's formats.
    const common = (await app.inject({ method: 'GET', url: '/model/common/1' })).json();
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema(common);
    const validate = ajv.compile(person.json());
    assert.equal(validate({ nik: '12' }), false);
  });

  it('answers problem+json 404 for an unknown schema', async () => {
    const answer = await app.inject({ method: 'GET', url: '/model/person/9' });
    assert.equal(answer.statusCode, 404);
    assert.equal(answer.json().code, 'request.not_found');
  });
});
