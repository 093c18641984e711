/**
 * Links in lesson prose to http://localhost:PORT/… point at the learner's own container, which
 * the browser can't reach there: the sandbox publishes nothing on the host. They mean the preview.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface LocalhostTarget {
  port: number;
  /** Path, query and fragment, as the link has them. */
  path: string;
}

/** The port and path a clicked http://localhost:PORT link names, or undefined for any other click. */
export function localhostLink(target: EventTarget | null): LocalhostTarget | undefined {
  const link = target instanceof Element ? target.closest<HTMLAnchorElement>('a[href]') : null;
  if (!link) return undefined;
  let url: URL;
  try {
    url = new URL(link.getAttribute('href')!, location.href);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname) || url.port === '') return undefined;
  // The site itself may be served on localhost: a link to its own port is a link to the site.
  if (url.host === location.host) return undefined;
  return { port: Number(url.port), path: `${url.pathname}${url.search}${url.hash}` };
}
