import type { ReactNode } from 'react';

/**
 * The top of every console page: the title (with what the page holds), and its actions, always at the top right
 * level with the title (below it on a phone), however long the title or the description.
 */
export function PageHeader({ id, title, children, actions }: { id: string; title: ReactNode; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1 id={id}>{title}</h1>
        {children}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}
