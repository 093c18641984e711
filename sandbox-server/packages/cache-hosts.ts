/**
 * The names builds reach the class package cache by. They exist only inside a build (each step's
 * /etc/hosts points them at the cache's proxy), so an image taken out of the sandbox fails closed rather than
 * fetching packages over plain HTTP from somewhere else. The stand-ins' npm and pip are set to them.
 */
export const NPM_CACHE_HOST = 'npm.layerlab.internal';
export const PYPI_CACHE_HOST = 'pypi.layerlab.internal';

export const NPM_CACHE_URL = `http://${NPM_CACHE_HOST}/`;
export const PYPI_CACHE_INDEX = `http://${PYPI_CACHE_HOST}/simple/`;

/** The engine network every build joins when the cache is on; internal, so its only way out is the proxy. */
export const PACKAGE_NETWORK = 'layerlab-packages';
/** Its bridge's prefix; not the session bridges' (`ll`), whose host rule refuses every connection. */
export const PACKAGE_BRIDGE_PREFIX = 'lpkg';
/** Where the proxy listens, on the network's gateway address; port 80 there is turned to it. */
export const PROXY_PORT = 3128;
