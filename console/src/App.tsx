import { useEffect, useRef, useState } from 'react';
import { ApplicationDetailsPage } from './applications/ApplicationDetailsPage.tsx';
import { ApplicationsPage } from './applications/ApplicationsPage.tsx';
import { AuditEventsPage } from './audit/AuditEventsPage.tsx';
import { EmailDetailsPage } from './emails/EmailDetailsPage.tsx';
import { EmailsPage } from './emails/EmailsPage.tsx';
import { displayName } from './auth/auth.ts';
import { useSession } from './auth/session.tsx';
import { ResourceDetailsPage } from './resources/ResourceDetailsPage.tsx';
import { ResourcesPage } from './resources/ResourcesPage.tsx';
import { RoleDetailsPage } from './roles/RoleDetailsPage.tsx';
import { RolesPage } from './roles/RolesPage.tsx';
import { Link, match, navigate, usePath } from './router.tsx';
import { SignInExperiencePage } from './sign-in-experience/SignInExperiencePage.tsx';
import { EmptyState } from './ui/states.tsx';
import { UserDetailsPage } from './users/UserDetailsPage.tsx';
import { UsersPage } from './users/UsersPage.tsx';

const sections = [
  { path: '/applications', label: 'Applications' },
  { path: '/users', label: 'Users' },
  { path: '/resources', label: 'API resources' },
  { path: '/roles', label: 'Roles' },
  { path: '/sign-in-experience', label: 'Sign-in experience' },
  { path: '/emails', label: 'Emails' },
  { path: '/audit-events', label: 'Audit events' },
];

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true, force: true }), [to]);
  return null;
}

function Page({ path }: { path: string }) {
  let params: Record<string, string> | undefined;
  if (path === '/' || path === '') return <Redirect to="/applications" />;
  if ((params = match('/applications/:id/:tab?', path))) return <ApplicationDetailsPage key={params.id} id={params.id!} tab={params.tab} />;
  if (match('/applications', path)) return <ApplicationsPage />;
  if ((params = match('/users/:id', path))) return <UserDetailsPage key={params.id} id={params.id!} />;
  if (match('/users', path)) return <UsersPage />;
  if ((params = match('/resources/:id', path))) return <ResourceDetailsPage key={params.id} id={params.id!} />;
  if (match('/resources', path)) return <ResourcesPage />;
  if ((params = match('/roles/:id', path))) return <RoleDetailsPage key={params.id} id={params.id!} />;
  if (match('/roles', path)) return <RolesPage />;
  if (match('/sign-in-experience', path)) return <SignInExperiencePage />;
  if ((params = match('/emails/:id', path))) return <EmailDetailsPage key={params.id} id={params.id!} />;
  if (match('/emails', path)) return <EmailsPage />;
  if (match('/audit-events', path)) return <AuditEventsPage />;
  return (
    <EmptyState title="This page does not exist">
      <Link to="/applications">Go to Applications</Link>
    </EmptyState>
  );
}

export function App() {
  usePath();
  const path = window.location.pathname.replace(/^\/console/, '') || '/';
  const { user, signOut } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const section = sections.find((s) => path === s.path || path.startsWith(`${s.path}/`));

  // Move focus to the new page's content so keyboard and screen-reader users land where the page changed.
  useEffect(() => {
    setMenuOpen(false);
    document.title = section ? `${section.label} · Sesame Console` : 'Sesame Console';
    main.current?.focus({ preventScroll: true });
  }, [path, section]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <button type="button" className="icon-button menu-button" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen((o) => !o)}>
          <span aria-hidden="true">☰</span><span className="visually-hidden">Menu</span>
        </button>
        <Link to="/applications" className="brand"><span className="brand-mark" aria-hidden="true">S</span> Sesame Console</Link>
        <div className="topbar-user">
          <span className="muted user-name">{displayName(user)}</span>
          <button type="button" className="secondary small" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <nav id="sidebar" className={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Console">
        <ul>
          {sections.map((s) => (
            <li key={s.path}>
              <Link to={s.path} aria-current={section?.path === s.path ? 'page' : undefined}>{s.label}</Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1} className="content">
        <Page path={path} />
      </main>
    </div>
  );
}
