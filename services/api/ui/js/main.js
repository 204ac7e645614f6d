// The console's shell: sign-in, hash routes (#/runs, #/runs/ID, #/fleet, #/signin) and the nav.
import { session } from './api.js';
import { mountFleetView } from './fleet-view.js';
import { mountRunView } from './run-view.js';
import { mountRunsView } from './runs-view.js';
import { signInPage, unauthorizedPage } from './states.js';

const view = document.getElementById('view');
const nav = document.getElementById('nav');
let unmount;

const context = {
  onUnauthorized() {
    unmount?.();
    unmount = undefined;
    nav.hidden = true;
    unauthorizedPage(view);
    document.title = '401 · agentfleet console';
  },
};

function route() {
  unmount?.();
  unmount = undefined;
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  if (!session.key || path === '/signin') {
    nav.hidden = true;
    document.title = 'Sign in · agentfleet console';
    signInPage(view, () => {
      if (location.hash === '#/runs') route();
      else location.hash = '#/runs';
    });
    return;
  }
  nav.hidden = false;
  const runMatch = /^\/runs\/([^/]+)$/.exec(path);
  let section = 'runs';
  if (runMatch) {
    document.title = 'Run · agentfleet console';
    unmount = mountRunView(view, decodeURIComponent(runMatch[1]), context);
  } else if (path === '/fleet') {
    section = 'fleet';
    document.title = 'Fleet & queue · agentfleet console';
    unmount = mountFleetView(view, context);
  } else {
    document.title = 'Runs · agentfleet console';
    unmount = mountRunsView(view, params, context);
  }
  for (const link of nav.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

document.getElementById('sign-out').addEventListener('click', () => {
  session.clear();
  location.hash = '#/signin';
});
window.addEventListener('hashchange', route);
route();
