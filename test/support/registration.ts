import { updateRegistrationPolicy, type RegistrationPolicyChanges } from '../../src/registration/registration-policy.service.ts';
import type { TestSesame } from './sesame.ts';

/** Sets the admin's policy for apps that arrive by themselves, as `registration set` does; every node reads it fresh. */
export async function setRegistrationPolicy(sesame: TestSesame, changes: RegistrationPolicyChanges): Promise<void> {
  await updateRegistrationPolicy(sesame.sesame.db, changes);
}
