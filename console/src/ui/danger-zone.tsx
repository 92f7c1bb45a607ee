import { useId, type ReactNode } from 'react';

/** What cannot be undone sits at the bottom of a page, each action with what it does, away from everyday controls. */
export function DangerZone({ children }: { children: ReactNode }) {
  const id = useId();
  return (
    <section className="card danger-zone" aria-labelledby={id}>
      <h2 id={id}>Danger zone</h2>
      {children}
    </section>
  );
}

export function DangerAction({ title, children, action }: { title: string; children: ReactNode; action: ReactNode }) {
  return (
    <div className="danger-action">
      <div>
        <h3>{title}</h3>
        <p className="muted">{children}</p>
      </div>
      {action}
    </div>
  );
}
