import type { RequestListener } from 'node:http';
import type { Provider } from 'oidc-provider';
import type { JWK } from 'jose';
import { currentKeyFingerprint, loadKeys, type LoadedKeys } from '../keys/key-store.ts';
import type { Sealer } from '../secrets/sealed.ts';
import { createProvider, type ProviderDeps } from './provider.ts';

/**
 * Holds the node's oidc-provider instance. Keys are fixed when a Provider is built, so after a rotation
 * (noticed by polling, or told directly by the CLI) a new one is built and swapped in; all state is in the
 * database, so requests in flight on the old one finish normally.
 */
export class ProviderHolder {
  #provider: Provider;
  #callback: RequestListener;
  #fingerprint: string;
  #publicJwks: JWK[];
  readonly #deps: Omit<ProviderDeps, 'keys'>;
  readonly #sealer: Sealer;

  private constructor(deps: Omit<ProviderDeps, 'keys'>, sealer: Sealer, provider: Provider, keys: LoadedKeys) {
    this.#deps = deps;
    this.#sealer = sealer;
    this.#provider = provider;
    this.#callback = provider.callback() as RequestListener;
    this.#fingerprint = keys.fingerprint;
    this.#publicJwks = publicJwks(keys);
  }

  static async create(deps: Omit<ProviderDeps, 'keys'>, sealer: Sealer): Promise<ProviderHolder> {
    const keys = await loadKeys(deps.db, sealer);
    return new ProviderHolder(deps, sealer, createProvider({ ...deps, keys }), keys);
  }

  get provider(): Provider {
    return this.#provider;
  }

  /** The algorithm of every client's ID tokens (SESAME_SIGNING_ALG), which a client library may need to be told. */
  get idTokenSigningAlg(): string {
    return this.#deps.config.signingAlg;
  }

  /** The public signing keys the provider signs and verifies with (what /oidc/jwks serves). */
  get publicJwks(): JWK[] {
    return this.#publicJwks;
  }

  get callback(): RequestListener {
    return this.#callback;
  }

  /** Rebuilds the provider when the keys in the database changed. Returns whether it did. */
  async refresh(): Promise<boolean> {
    const { db, logger } = this.#deps;
    if ((await currentKeyFingerprint(db)) === this.#fingerprint) return false;
    const keys = await loadKeys(db, this.#sealer);
    this.#provider = createProvider({ ...this.#deps, keys });
    this.#callback = this.#provider.callback() as RequestListener;
    this.#fingerprint = keys.fingerprint;
    this.#publicJwks = publicJwks(keys);
    logger.info({ kids: keys.jwks.map((k) => k.kid) }, 'signing keys reloaded');
    return true;
  }
}

const privateMembers = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

function publicJwks(keys: LoadedKeys): JWK[] {
  return keys.jwks.map((jwk) => Object.fromEntries(Object.entries(jwk).filter(([name]) => !privateMembers.has(name))) as JWK);
}
