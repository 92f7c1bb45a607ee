import type { Guide, GuideSample } from './guide.schema.ts';

/**
 * The guide as Markdown (CommonMark with GitHub tables), to send to whoever writes the app. Values go in code
 * spans and fences long enough for anything they hold; the app's name is escaped.
 */

const typeLabels: Record<Guide['type'], string> = {
  traditional: 'Traditional web app',
  spa: 'Single page app',
  native: 'Native app',
  m2m: 'Machine-to-machine app',
};

function code(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

function fenced(language: string, body: string): string {
  const longest = Math.max(2, ...(body.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${body}\n${fence}`;
}

function escapeText(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|~-]/g, '\\$&');
}

/** A table cell: no line breaks, and a pipe must not end the cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

const list = (values: string[]) => (values.length ? values.map(code).join('<br>') : '(none yet)');

function sampleMarkdown(sample: GuideSample): string {
  return [
    `### ${sample.platform} · ${sample.library}`,
    sample.summary,
    ...(sample.install ? ['Install:', fenced('sh', sample.install)] : []),
    ...sample.files.flatMap((file) => [`${code(file.name)}:`, fenced(file.language, file.code)]),
    ...(sample.run ? ['Run:', fenced('sh', sample.run)] : []),
    ...(sample.notes.length ? [sample.notes.map((note) => `- ${note}`).join('\n')] : []),
  ].join('\n\n');
}

export function guideMarkdown(guide: Omit<Guide, 'markdown'>): string {
  const values: string[][] = [
    ['Issuer', code(guide.issuer)],
    ['Discovery URL', code(guide.discovery_url)],
    ['Client ID', code(guide.client_id)],
    ...(guide.client_secret ? [['Client secret', `${code(guide.client_secret.placeholder)} ${guide.client_secret.note}`]] : []),
    ...(guide.type === 'm2m' ? [] : [
      ['Redirect URIs', list(guide.redirect_uris)],
      ['Post-logout redirect URIs', list(guide.post_logout_redirect_uris)],
    ]),
  ];
  const sections = [
    `# Integration guide: ${escapeText(guide.name)}`,
    `${typeLabels[guide.type]}${guide.third_party ? ', third-party' : ''}. Client ID ${code(guide.client_id)}.`,
    ...guide.warnings.map((warning) => `> **Before you start:** ${warning}`),
    '## Configuration',
    table(['Setting', 'Value'], values),
    '## Scopes the app may ask for',
    ...(guide.scopes.user.length ? [guide.scopes.user.map((s) => `- ${code(s.name)}: ${s.description}`).join('\n')] : []),
    ...guide.scopes.resources.map((resource) => [
      `**${escapeText(resource.name)}**, \`resource=\`${code(resource.indicator)}`,
      resource.scopes.length ? resource.scopes.map((s) => `- ${code(s.name)}: ${escapeText(s.description)}`).join('\n') : '- (no scopes)',
    ].join('\n\n')),
    ...guide.scopes.notes,
    `## Flow: ${guide.flow.title}`,
    [
      `- Grant types: ${guide.flow.grant_types.map(code).join(', ')}`,
      `- Token endpoint authentication: ${code(guide.flow.token_endpoint_auth_method)}`,
      `- PKCE: ${guide.flow.pkce === 'none' ? 'not used' : `${guide.flow.pkce}, ${code('S256')}`}`,
      ...guide.flow.points.map((point) => `- ${point}`),
    ].join('\n'),
    '## Endpoints',
    table(['Endpoint', 'URL'], guide.endpoints.map((e) => [e.label, code(e.value)])),
    ...(guide.external_idp ? [
      '## Services that accept an external OpenID Connect provider',
      guide.external_idp.intro,
      table(['Field', 'Value', 'Note'], guide.external_idp.fields.map((f) => [f.label, f.value ? code(f.value) : '(empty)', f.note ?? ''])),
      `**Callback URL.** ${guide.external_idp.callback}`,
    ] : []),
    '## Code samples',
    ...guide.samples.map(sampleMarkdown),
  ];
  return `${sections.join('\n\n')}\n`;
}
