// Types for `cloudflare:workers` exports and env inside the workerd test project.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('../../edge/index');
  }
  interface Env extends import('../../edge/env').Env {}
}
