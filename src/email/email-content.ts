import type { Sealer } from '../secrets/sealed.ts';

/** The parts of a message as stored: sealed, since a password reset link is as good as the password while it lives. */
export interface EmailContent {
  text: string;
  html: string;
}

export async function sealContent(sealer: Sealer, content: EmailContent): Promise<string> {
  return sealer.seal(JSON.stringify({ text: content.text, html: content.html }));
}

export async function openContent(sealer: Sealer, sealed: string): Promise<EmailContent> {
  return JSON.parse(await sealer.open(sealed)) as EmailContent;
}
