/**
 * Sticky experiment assignments: the variant (or none, for the holdout and traffic left out)
 * each experience gave this person. Stored once, kept through merges (the survivor's win).
 */
import type { Assignment } from '../engine/assign';

export class AssignmentStore {
  constructor(private readonly sql: SqlStorage) {}

  all(): Map<string, Assignment> {
    const out = new Map<string, Assignment>();
    for (const r of this.sql.exec<{ experience: string; variant: string | null }>('SELECT experience, variant FROM assignments')) {
      out.set(r.experience, { experience: r.experience, variant: r.variant });
    }
    return out;
  }

  /**
   * Stores new assignments. An assignment is only new when the stored one is missing or names a
   * variant that no longer exists, so replacing here never moves a sticky visitor.
   */
  put(assignments: readonly Assignment[], now: number): void {
    for (const a of assignments) {
      this.sql.exec(
        `INSERT INTO assignments (experience, variant, assigned_at) VALUES (?, ?, ?)
         ON CONFLICT (experience) DO UPDATE SET variant = excluded.variant, assigned_at = excluded.assigned_at`,
        a.experience, a.variant, now,
      );
    }
  }

  /**
   * Takes in assignments made at the edge from a digest (edge/engine/digest.ts): each only where the
   * profile holds none for that experience, so one recorded meanwhile (another device) wins.
   */
  adopt(assignments: readonly Assignment[], now: number): void {
    for (const a of assignments) {
      this.sql.exec('INSERT INTO assignments (experience, variant, assigned_at) VALUES (?, ?, ?) ON CONFLICT (experience) DO NOTHING', a.experience, a.variant, now);
    }
  }

  /** The variant assigned for an experience: undefined when none was, null for no variant. */
  variantOf(experience: string): string | null | undefined {
    const row = this.sql.exec<{ variant: string | null }>('SELECT variant FROM assignments WHERE experience = ?', experience).toArray()[0];
    return row ? row.variant : undefined;
  }

  /** Experiences that gave the person a variant (what `exposures` rules read). */
  exposed(): string[] {
    return this.sql.exec<{ experience: string }>('SELECT experience FROM assignments WHERE variant IS NOT NULL').toArray().map((r) => r.experience);
  }

  list(): { experience: string; variant: string | null; assignedAt: number }[] {
    return this.sql
      .exec<{ experience: string; variant: string | null; assigned_at: number }>('SELECT experience, variant, assigned_at FROM assignments ORDER BY assigned_at, experience')
      .toArray()
      .map((r) => ({ experience: r.experience, variant: r.variant, assignedAt: r.assigned_at }));
  }
}
