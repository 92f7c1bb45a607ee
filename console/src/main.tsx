import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { AuthGate } from './auth/AuthGate.tsx';
import { ToastProvider } from './ui/toasts.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <ToastProvider>
    <AuthGate>
      <App />
    </AuthGate>
  </ToastProvider>,
);
