import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../api/client.ts';

export interface FormSubmit {
  busy: boolean;
  /** Server messages by JSON pointer (`/redirect_uris/2`), shown at their fields. */
  errors: Record<string, string>;
  /** A message for the whole form. */
  formError: string | undefined;
  /** Clears both, for Discard or closing a dialog. */
  reset: () => void;
  /**
   * A submit handler running `work`. Field errors from the API go to `errors`, and `onFieldErrors` may word a
   * message for the whole form; any other error becomes the form's message.
   */
  handle: (work: () => Promise<void>, onFieldErrors?: (error: ApiError) => string | undefined) => (event: FormEvent) => Promise<void>;
}

/** The state every console form keeps while it saves: busy, field errors, a form-level message. */
export function useFormSubmit(): FormSubmit {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const reset = () => {
    setErrors({});
    setFormError(undefined);
  };
  const handle: FormSubmit['handle'] = (work, onFieldErrors) => async (event) => {
    event.preventDefault();
    setBusy(true);
    reset();
    try {
      await work();
    } catch (error) {
      if (error instanceof ApiError && error.fields.length) {
        setErrors(error.fieldErrors());
        setFormError(onFieldErrors?.(error));
      } else {
        setFormError(errorMessage(error));
      }
    } finally {
      setBusy(false);
    }
  };
  return { busy, errors, formError, reset, handle };
}
