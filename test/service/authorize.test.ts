import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPortcullisError } from '../../src/core/errors.js';
import { authorize, mayPerform, SERVICE_ACTIONS } from '../../src/service/authorize.js';

describe('authorize', () => {
  it('lets the CLI and API administrators do everything', () => {
    for (const action of SERVICE_ACTIONS) {
      assert.equal(mayPerform({ kind: 'cli', user: 'root' }, action), true);
      assert.equal(mayPerform({ kind: 'api', user: 'root', role: 'admin' }, action), true);
    }
  });

  it('refuses API users every management action', () => {
    for (const action of SERVICE_ACTIONS) {
      assert.equal(mayPerform({ kind: 'api', user: 'u', role: 'user' }, action), false, action);
    }
    assert.throws(
      () => authorize({ kind: 'api', user: 'u', role: 'user' }, 'user.add'),
      (e) => isPortcullisError(e, 'PORTCULLIS_ERR_FORBIDDEN') && /api:u may not perform user\.add/.test(e.message),
    );
  });

  it('grants system components only what they need', () => {
    assert.equal(mayPerform({ kind: 'system', component: 'delivery' }, 'queue.retry'), true);
    assert.equal(mayPerform({ kind: 'system', component: 'delivery' }, 'user.add'), false);
    assert.equal(mayPerform({ kind: 'system', component: 'quarantine' }, 'quarantine.delete'), true);
    assert.equal(mayPerform({ kind: 'system', component: 'quarantine' }, 'queue.delete'), false);
    assert.equal(mayPerform({ kind: 'system', component: 'unknown' }, 'queue.retry'), false);
    assert.equal(mayPerform({ kind: 'system', component: '__proto__' }, 'queue.retry'), false);
    assert.equal(mayPerform({ kind: 'system', component: 'constructor' }, 'queue.retry'), false);
  });
});
