import { useEffect, useState } from 'react';
import { errorMessage } from '../api/client.ts';
import type { Application, ConsentPolicy, ConsentReport, ConsentSettings } from '../api/types.ts';
import { useApi } from '../auth/session.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { useToast } from '../ui/toasts.tsx';
import { useLoad } from '../ui/use-load.ts';

const policies: { id: ConsentPolicy; label: string; description: string }[] = [
  { id: 'ask', label: 'Ask every time', description: 'Users see the consent screen at every sign-in.' },
  { id: 'remember', label: 'Remember (default)', description: 'Users are asked once and their decision is remembered; native apps are asked every time unless everything they ask for is pre-approved.' },
  { id: 'preapproved', label: 'Pre-approved for everyone', description: 'You consent for every user to all the app may ask for: no consent screen.' },
];

/**
 * A third-party app's consent (issue 15 §4): its policy, what an admin pre-approves for every user (admin consent),
 * and how many users granted what, with the CSV export.
 */
export function ConsentTab({ app }: { app: Application }) {
  const api = useApi();
  const toast = useToast();
  const path = `/applications/${encodeURIComponent(app.id)}/consent`;
  const settings = useLoad(() => api<ConsentSettings>('GET', path), [path]);
  const report = useLoad(() => api<ConsentReport>('GET', `${path}/report`), [path]);
  const [policy, setPolicy] = useState<ConsentPolicy>('remember');
  const [preapproved, setPreapproved] = useState<string[]>([]);
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    if (settings.data) {
      setPolicy(settings.data.policy);
      setPreapproved(settings.data.preapproved);
    }
  }, [settings.data]);

  if ((settings.loading && !settings.data) || (report.loading && !report.data)) return <Loading />;
  if (settings.error || !settings.data) return <ErrorState message={settings.error ?? ''} onRetry={settings.reload} />;
  if (report.error || !report.data) return <ErrorState message={report.error ?? ''} onRetry={report.reload} />;
  const saved = settings.data;
  const withdraws = (saved.policy === 'preapproved' && policy !== 'preapproved') || saved.preapproved.some((p) => !preapproved.includes(p));

  const save = async () => {
    try {
      settings.set(await api<ConsentSettings>('PUT', path, { policy, preapproved }));
      report.reload();
      toast('Consent settings saved');
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };
  const download = async () => {
    try {
      const csv = await api<string>('GET', `${path}/report.csv`);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `${app.id}-consent-report.csv`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };

  return (
    <>
      <section className="card" aria-labelledby="consent-policy-title">
        <h2 id="consent-policy-title">Consent policy</h2>
        <fieldset className="type-group">
          <legend className="visually-hidden">Consent policy</legend>
          {policies.map((p) => (
            <label key={p.id} className={policy === p.id ? 'type-option selected' : 'type-option'} htmlFor={`consent-policy-${p.id}`}>
              <input type="radio" id={`consent-policy-${p.id}`} name="consent-policy" checked={policy === p.id} aria-describedby={`consent-policy-${p.id}-description`} onChange={() => setPolicy(p.id)} />
              <span className="type-name">{p.label}</span>
              <span className="type-description muted" id={`consent-policy-${p.id}-description`}>{p.description}</span>
            </label>
          ))}
        </fieldset>
        <h3>Admin consent</h3>
        <p className="muted">Permissions you approve for every user: they are granted without asking, and shown marked on the consent screen.</p>
        <ul className="permission-list">
          {report.data.permissions.map((p) => (
            <li key={p.permission} className="checkbox">
              <input
                type="checkbox"
                id={`preapprove-${p.permission}`}
                disabled={policy === 'preapproved'}
                checked={policy === 'preapproved' || preapproved.includes(p.permission)}
                onChange={(e) => setPreapproved(e.target.checked ? [...preapproved, p.permission] : preapproved.filter((v) => v !== p.permission))}
              />
              <div>
                <label htmlFor={`preapprove-${p.permission}`} className="mono">Pre-approve {p.scope}</label>
                <p className="hint">{p.resource ? `${p.resource}${p.description ? `: ${p.description}` : ''}` : 'User data'}</p>
              </div>
            </li>
          ))}
        </ul>
        <button type="button" onClick={() => (withdraws ? setConfirming(true) : save())}>Save consent settings</button>
      </section>
      <ConfirmDialog title="Withdraw admin consent" open={confirming} onClose={() => setConfirming(false)} onConfirm={save} confirmLabel="Withdraw and save">
        <p>
          {app.name} loses what you had approved for everyone: its tokens end now, and users are asked again at their next
          sign-in for what they had not decided themselves.
        </p>
      </ConfirmDialog>
      <section className="card" aria-labelledby="consent-report-title">
        <div className="section-header">
          <h2 id="consent-report-title">Who granted what</h2>
          <button type="button" className="secondary" onClick={download}>Download CSV</button>
        </div>
        <p className="muted">{report.data.users === 1 ? '1 user has' : `${report.data.users} users have`} connected {app.name}.</p>
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Users per permission</caption>
            <thead><tr><th scope="col">Permission</th><th scope="col">API resource</th><th scope="col">Users</th><th scope="col">Pre-approved</th></tr></thead>
            <tbody>
              {report.data.permissions.map((p) => (
                <tr key={p.permission}>
                  <td className="mono">{p.scope}</td>
                  <td className="mono">{p.resource ?? <span className="muted">user data</span>}</td>
                  <td>{p.users}</td>
                  <td>{p.preapproved ? 'Yes' : 'No'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
