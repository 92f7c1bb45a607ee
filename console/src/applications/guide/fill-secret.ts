import type { Guide } from '../../api/types.ts';

/**
 * Puts a freshly shown client secret where the guide's placeholder stands: Sesame keeps only a hash, so the
 * server writes the placeholder and only this browser, which was just shown the secret, can fill it in.
 * A secret is base64url, which is safe inside every sample's quotes; anything else is left out.
 */
export function fillSecret(guide: Guide, secret: string | undefined): Guide {
  if (!secret || !guide.client_secret || !/^[A-Za-z0-9_-]+$/.test(secret)) return guide;
  const placeholder = guide.client_secret.placeholder;
  const fill = (text: string) => text.split(placeholder).join(secret);
  return {
    ...guide,
    samples: guide.samples.map((sample) => ({ ...sample, files: sample.files.map((file) => ({ ...file, code: fill(file.code) })) })),
    external_idp: guide.external_idp && {
      ...guide.external_idp,
      fields: guide.external_idp.fields.map((field) => ({ ...field, value: fill(field.value) })),
    },
    markdown: fill(guide.markdown),
  };
}

/** The secret that came with the navigation here (from Create application, or a new secret's dialog), if any. */
export function navigationSecret(): string | undefined {
  const secret = (window.history.state as { clientSecret?: unknown } | null)?.clientSecret;
  return typeof secret === 'string' ? secret : undefined;
}
