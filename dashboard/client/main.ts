/**
 * The dashboard's one script: conveniences over pages that work without it. It only ever writes
 * text (textContent, createElement): event names, props and URLs come from visitors.
 */
import { startLive } from './live';
import { startEditors } from './editors';

function copyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-copy]')) {
    button.addEventListener('click', async () => {
      const id = button.dataset.copy ?? '';
      const source = document.getElementById(id) as HTMLTextAreaElement | null;
      const status = document.querySelector<HTMLElement>(`[data-copy-status="${id}"]`);
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.value);
      } catch {
        source.select();
        document.execCommand('copy');
      }
      if (status) status.textContent = 'Copied.';
    });
  }
}

function installCheck(): void {
  const panel = document.getElementById('install-check');
  const url = panel?.dataset.checkUrl;
  if (!panel || !url) return;
  const refresh = async () => {
    const res = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!res.ok) return;
    const k = (await res.json()) as { installed: boolean; lastReceivedAt: number | null; lastUrl: string | null };
    const p = document.createElement('p');
    p.className = `notice ${k.installed ? 'ok' : ''}`;
    p.setAttribute('role', 'status');
    p.textContent = k.installed
      ? `Events are arriving. Last one received ${new Date(k.lastReceivedAt ?? 0).toISOString().replace('T', ' ').slice(0, 19)} UTC${k.lastUrl ? ` from ${k.lastUrl}` : ''}.`
      : 'No events from this site yet. Paste the snippet, open a page of the site, then check again.';
    panel.replaceChildren(p);
    return k.installed;
  };
  for (const a of document.querySelectorAll<HTMLAnchorElement>('[data-check]')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      void refresh();
    });
  }
  // Keep checking while the page is open and nothing has arrived yet.
  const timer = setInterval(async () => {
    if (await refresh().catch(() => false)) clearInterval(timer);
  }, 5000);
}

function confirmations(): void {
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.dataset.confirm ?? 'Are you sure?')) e.preventDefault();
    });
  }
}

function start(): void {
  copyButtons();
  installCheck();
  confirmations();
  startEditors();
  startLive();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
