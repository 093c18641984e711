/** The LAYERLAB_INSTANCE of the server the browser tests run against: its engine objects carry it. */
export const E2E_INSTANCE = 'e2e';
