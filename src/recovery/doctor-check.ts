/** One check of smgr doctor: pass, warn or fail, with a remedy when not pass. */
export type CheckState = 'pass' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  state: CheckState;
  detail: string;
  remedy?: string;
}
