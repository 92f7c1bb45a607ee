import type { Transporter } from 'nodemailer';

/** One message as handed to the SMTP server. */
export interface SmtpMessage {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface EmailTransport {
  /** Sends; `signal` aborts a send under way (the node is stopping), which then fails and is tried again later. */
  send(message: SmtpMessage, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * Sends through the SMTP server of SESAME_SMTP_URL with nodemailer. Timeouts are short enough that a silent server
 * fails a send well within the queue's lease (src/email/email-sender.ts), so it is retried rather than stuck.
 */
export function smtpTransport(url: string): EmailTransport {
  // nodemailer (5 MB of heap) is loaded when a first message is sent, not by every node that could send one.
  let transport: Promise<Transporter> | undefined;
  const connected = () => transport ??= import('nodemailer').then(({ createTransport }) => createTransport({
    url,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    // Sesame's messages are automatic: no vacation replies, please (RFC 3834).
  }, { headers: { 'Auto-Submitted': 'auto-generated' } }));
  return {
    async send(message, signal) {
      await (await connected()).sendMail({ ...message, ...(signal ? { signal } : {}) });
    },
    close: () => void transport?.then((opened) => opened.close(), () => {}),
  };
}

/**
 * Whether sending `error` again cannot help: the server refused the message or its recipient for good (a 5xx
 * reply, RFC 5321 §4.2.1). Authentication and TLS failures are the operator's to fix, and are retried meanwhile.
 */
export function isPermanentFailure(error: unknown): boolean {
  const { responseCode, code } = error as { responseCode?: number; code?: string };
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && code !== 'EAUTH' && code !== 'ETLS';
}

/** What the log and the outbox say about a failed send: the server's reply or the connection error, never the message. */
export function describeFailure(error: unknown): string {
  const { response, code, message } = error as { response?: string; code?: string; message?: string };
  return (response || [code, message].filter(Boolean).join(': ') || String(error)).slice(0, 500);
}
