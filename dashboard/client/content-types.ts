/**
 * The experience's target (a slot, a page or an overlay) decides which content types its variants
 * offer, and whether the trigger picker shows; each variant shows the editor its type needs: none
 * for the default, a URL box for a redirect, the overlay designer for an overlay, the text box
 * otherwise, and for HTML a sandboxed preview frame (no allow-scripts).
 */
export function contentTypes(): void {
  const targetOf = () => document.querySelector<HTMLInputElement>('input[name="target"]:checked')?.value ?? 'slot';
  const show = (el: HTMLElement | null, on: boolean) => {
    if (!el) return;
    el.hidden = !on;
    // A hidden editor's stale fields are not sent.
    for (const f of el.querySelectorAll<HTMLInputElement>('input,select,textarea')) f.disabled = !on;
  };
  const syncRow = (row: Element) => {
    const select = row.querySelector<HTMLSelectElement>('select[data-content-type]');
    const value = row.querySelector<HTMLTextAreaElement>('[data-content-value]');
    const box = row.querySelector<HTMLElement>('[data-value-box]');
    if (!select || !value || !box) return;
    const type = select.value;
    show(box, type !== '' && type !== 'redirect' && type !== 'overlay');
    show(row.querySelector<HTMLElement>('[data-url-box]'), type === 'redirect');
    show(row.querySelector<HTMLElement>('[data-overlay-designer]'), type === 'overlay');
    for (const hint of row.querySelectorAll<HTMLElement>('[data-for-type]')) hint.hidden = hint.dataset.forType !== type;
    let placeholders: Record<string, string> = {};
    try {
      placeholders = JSON.parse(value.dataset.placeholders ?? '{}') as Record<string, string>;
    } catch {
      /* keep the one rendered */
    }
    if (placeholders[type]) value.placeholder = placeholders[type];
    let frame = row.querySelector<HTMLIFrameElement>('iframe.preview');
    if (type === 'html' && !frame) {
      frame = document.createElement('iframe');
      frame.className = 'preview';
      frame.setAttribute('sandbox', '');
      frame.title = 'Preview';
      frame.setAttribute('srcdoc', value.value);
      box.after(frame);
    }
    if (frame) frame.hidden = type !== 'html';
    for (const hint of row.querySelectorAll<HTMLElement>('[data-preview-hint]')) hint.hidden = type !== 'html';
    row.dispatchEvent(new Event('attune:shown', { bubbles: true }));
  };
  const syncTarget = () => {
    if (!document.querySelector('input[name="target"]')) return;
    const target = targetOf();
    for (const group of document.querySelectorAll<HTMLElement>('form [data-target]')) {
      const on = (group.dataset.target ?? '').split(' ').includes(target);
      if (group.matches('fieldset')) show(group, on);
      else group.hidden = !on;
    }
    for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-content-type]')) {
      for (const group of select.querySelectorAll<HTMLOptGroupElement>('optgroup[data-target-group]')) {
        group.disabled = group.dataset.targetGroup !== target;
        group.hidden = group.disabled;
      }
      // A type the target does not take becomes the target's first one (the default stays the default).
      if (select.selectedOptions[0]?.parentElement instanceof HTMLOptGroupElement && (select.selectedOptions[0].parentElement as HTMLOptGroupElement).disabled) {
        const first = select.querySelector<HTMLOptionElement>(`optgroup[data-target-group="${target}"] option`);
        if (first) select.value = first.value;
      }
      const row = select.closest('[data-variant-row]');
      if (row) syncRow(row);
    }
  };
  for (const row of document.querySelectorAll('[data-variant-row]')) syncRow(row);
  syncTarget();
  document.addEventListener('change', (e) => {
    const t = e.target as HTMLElement;
    if (t.matches('select[data-content-type]')) {
      const row = t.closest('[data-variant-row]');
      if (row) syncRow(row);
    }
    if (t.matches('input[name="target"]')) syncTarget();
  });
}
