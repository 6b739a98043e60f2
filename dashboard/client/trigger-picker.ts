/**
 * The trigger picker shows the inputs its choice needs: none when the page loads; after "When the
 * visitor…" the event name, the seconds or the scroll depth the choice takes, and the "only on
 * elements matching" selector for the choices it narrows (clicks, forms, events).
 */
export function triggerPicker(): void {
  const picker = document.querySelector<HTMLElement>('[data-trigger-picker]');
  if (!picker) return;
  const sync = () => {
    const visitor = picker.querySelector<HTMLInputElement>('input[name="trigger"][value="visitor"]')?.checked ?? false;
    const option = picker.querySelector<HTMLSelectElement>('select[name="trigger.when"]')?.selectedOptions[0];
    const when = picker.querySelector<HTMLElement>('[data-trigger-when]');
    if (when) when.hidden = !visitor;
    for (const box of picker.querySelectorAll<HTMLElement>('[data-when]')) {
      const need = box.dataset.when;
      box.hidden = !(need === 'selector' ? option?.hasAttribute('data-narrows') : option?.value === need);
    }
  };
  picker.addEventListener('change', sync);
  // Typing a number of days picks "at most once every N days".
  picker.addEventListener('input', (e) => {
    if ((e.target as HTMLInputElement).name !== 'frequency.days') return;
    const days = picker.querySelector<HTMLInputElement>('input[name="frequency"][value="days"]');
    if (days) days.checked = true;
  });
  sync();
}
