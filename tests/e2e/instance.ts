/**
 * The LAYERLAB_INSTANCE of the server the browser tests run against: its engine objects carry it.
 * One per run (the runner's process id, passed on to the workers), so two runs never share one.
 */
process.env.LAYERLAB_E2E_INSTANCE ??= `e2e-${process.pid}`;
export const E2E_INSTANCE = process.env.LAYERLAB_E2E_INSTANCE;
