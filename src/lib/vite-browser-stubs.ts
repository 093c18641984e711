/**
 * dockerfile-language-service `require("https")`s a Docker Hub client, used only to complete image
 * tags after `FROM image:`. Browsers have no https module, so in the browser bundle it is an empty
 * stand-in; the library catches the failed lookup and offers no tags, which suits a sandbox that
 * can't pull anyway.
 */
const STUB_ID = '\0layerlab:https-stub';

export function browserStubs() {
  return {
    name: 'layerlab:browser-stubs',
    enforce: 'pre' as const,
    applyToEnvironment: (environment: { name: string }) => environment.name === 'client',
    resolveId(id: string, importer?: string) {
      if (id === 'https' && importer?.includes('dockerfile-language-service')) return STUB_ID;
      return null;
    },
    load(id: string) {
      return id === STUB_ID ? 'export default {};' : null;
    },
  };
}
