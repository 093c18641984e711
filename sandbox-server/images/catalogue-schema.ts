import { z } from 'zod';
import { didYouMean, oneOf, strictObject } from '../format/schema-sentences.ts';
import { DEBIAN_SLIM_RULES } from './debian-slim.ts';
import type { StandInRecipe } from './stand-in-recipe.ts';

/**
 * The catalogue file's contract (catalogue.yml, and an operator's LAYERLAB_CATALOGUE file).
 * Every field says what it means with `.describe()`; docs/catalogue.md's field table and
 * catalogue.schema.json (for editors) are generated from it.
 */

const text = (meaning: string) => z.string().min(1, { error: 'is empty' }).describe(meaning);

const Probe = strictObject({
  name: z
    .string()
    .regex(/^\w+$/, { error: 'uses letters, digits and underscores only' })
    .describe('The name used in the `source` sentence, e.g. `nodejs` for `{nodejs}`'),
  command: text('Shell command run with `sh -c` inside the built image (no network); stdout and stderr are both read'),
  pattern: text('Regular expression whose first capture group is the version, e.g. `^v(\\d+\\.\\d+\\.\\d+)`').refine(
    (pattern) => {
      try {
        return /\(/.test(pattern) && new RegExp(pattern) instanceof RegExp;
      } catch {
        return false;
      }
    },
    { error: 'is not a regular expression with a capture group' },
  ),
}).describe('A command whose output names a version');

const versionCheck = {
  claims: text("The version the tags state, e.g. `18` or `3.11`; the first probe's version must equal it or extend it (`18.20.4`)"),
  probes: z.array(Probe).min(1, { error: 'needs at least one probe' }).describe('Commands that read the versions really inside the built image; the first one is checked against `claims`'),
  source: text("The image's `org.layerlab.stand-in.source` label, shown by `layerlab images`; `{name}` is replaced with that probe's version"),
  outline: text('A few words for progress lines and `layerlab images`, e.g. `debootstrap bookworm + nodejs, npm`'),
};

const changes = z.array(z.string()).default([]).describe('Dockerfile instructions applied to the imported root filesystem, e.g. `CMD ["sh"]`');

const BusyboxStandIn = strictObject({
  kind: z.literal('busybox-static').describe('A `FROM scratch` image around the host\'s statically linked busybox'),
  binary: text("The host's busybox-static binary; every applet it lists gets a link in /bin"),
  requiredApplets: z.array(z.string()).default([]).describe('Applets the course relies on; the build fails if the binary lacks one'),
  changes,
  ...versionCheck,
});

const DebootstrapStandIn = strictObject({
  kind: z.literal('debootstrap').describe('A Debian root filesystem made with debootstrap and imported'),
  suite: text('The Debian release, e.g. `bookworm`'),
  variant: z.literal('minbase').default('minbase').describe('The debootstrap variant; only `minbase`'),
  slim: z.boolean().default(true).describe("Trim the tree like Debian's official `-slim` images (no docs, man pages or translations, also after later installs)"),
  changes,
  ...versionCheck,
});

const DockerfileStandIn = strictObject({
  kind: z.literal('dockerfile').describe('An image built with the classic builder, on the default bridge network so that apt-get reaches the Debian mirror'),
  from: text('The catalogue image (repository:tag) the Dockerfile starts FROM; it is made present first'),
  dockerfile: text('The Dockerfile; its first line must be `FROM` and the `from` reference'),
  files: z.record(z.string().regex(/^[\w.-]+$/, { error: 'is not a plain file name' }), z.string()).optional().describe('Other files of the build context (name → content); a script (starting with `#!`) is executable'),
  ...versionCheck,
});

const KINDS = ['busybox-static', 'debootstrap', 'dockerfile'] as const;

const StandIn = z
  .discriminatedUnion('kind', [BusyboxStandIn, DebootstrapStandIn, DockerfileStandIn], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
      return typeof kind === 'string'
        ? `is "${kind}", not one of ${KINDS.join(', ')}${didYouMean(kind, KINDS)}`
        : `is missing; give one of ${KINDS.join(', ')}`;
    },
  })
  .describe('How to make the image locally from Debian packages (or the host\'s busybox), with a version check')
  .transform((recipe): StandInRecipe => {
    if (recipe.kind !== 'debootstrap') return recipe;
    // Key order as in the recipe type, so the recipe hash (a JSON text) is stable.
    const { kind, suite, variant, slim, ...rest } = recipe;
    return { kind, suite, variant, slim: slim ? DEBIAN_SLIM_RULES : { files: {}, remove: [], keep: [] }, ...rest };
  });

const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

export const PREPARE = ['start', 'first-use'] as const;

export const CatalogueEntry = strictObject({
  repository: z
    .string()
    .regex(REPOSITORY, { error: 'is not a repository name like redis or myschool/tools' })
    .describe('The familiar name learners write, e.g. `redis` (not `docker.io/library/redis`)'),
  tags: z
    .array(z.string().regex(TAG, { error: 'is not a tag like 7.0 or latest' }))
    .min(1, { error: 'needs at least one tag' })
    .describe('The first is the primary tag; the rest are aliases of the same image. A stand-in\'s versioned tags state the version it really contains'),
  summary: text('One sentence a learner sees'),
  prepare: oneOf(PREPARE)
    .default('first-use')
    .describe('`start`: made present when the server starts (and by `npm test`); `first-use`: made when a learner first pulls, runs or builds FROM it, or by `layerlab images build NAME`'),
  pull: z
    .string()
    .min(1, { error: 'is empty' })
    .max(512)
    .optional()
    .describe('Pull the image from this reference (a registry or mirror you configured, e.g. `mirror.example.org/library/redis:7.0`) and tag it with the familiar name; give `pull` or `standIn`, not both'),
  standIn: StandIn.optional(),
})
  .refine((entry) => (entry.pull === undefined) !== (entry.standIn === undefined), {
    error: 'give either pull (a reference to pull) or standIn (a recipe), not both or neither',
    path: [],
  })
  .describe('One base image');

export const CatalogueFile = strictObject({
  images: z.array(CatalogueEntry).describe('The base images, in the order `layerlab images` lists them'),
}).describe('A Layerlab base-image catalogue');

export type CatalogueEntry = z.output<typeof CatalogueEntry>;
