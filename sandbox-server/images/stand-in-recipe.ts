/**
 * How a catalogue image is made when no registry answers. Recipes are plain data so that the
 * catalogue reads as documentation and a recipe can be hashed: a changed recipe means a changed
 * `org.layerlab.recipe` label, and that is what triggers a rebuild.
 */

/** A command run inside the built image whose output names a version. */
export interface VersionProbe {
  /** The name used in the `source` sentence, e.g. 'nodejs' for `{nodejs}`. */
  name: string;
  /** Shell command run with `sh -c` inside the built image; stdout and stderr are both read. */
  command: string;
  /** Regular expression whose first capture group is the version. */
  pattern: string;
}

/**
 * Every stand-in proves what it contains: its tags state a version, and the probes read the
 * real version out of the built image. A mismatch fails the build rather than ship a lie.
 */
export interface VersionCheck {
  /** The version the tags state, e.g. '18' or '3.11'; the first probe must equal it or extend it ('18.20.4'). */
  claims: string;
  probes: VersionProbe[];
  /** The `org.layerlab.stand-in.source` sentence; `{name}` is replaced with that probe's version. */
  source: string;
  /** A few words for progress lines, e.g. 'debootstrap bookworm + nodejs, npm'. */
  outline: string;
}

/** A `FROM scratch` image around the host's statically linked busybox. */
export interface BusyboxRecipe extends VersionCheck {
  kind: 'busybox-static';
  /** The host's busybox-static binary; every applet it lists gets a link in /bin. */
  binary: string;
  /** Applets the course relies on; the build fails if the binary lacks one. */
  requiredApplets: string[];
  /** Dockerfile instructions applied to the imported root filesystem. */
  changes: string[];
}

/** What turns a debootstrap tree into something like Debian's official slim image. */
export interface SlimRules {
  /** Files written into the root filesystem (absolute path → content), so later apt installs stay slim too. */
  files: Record<string, string>;
  /** Globs (absolute) of what is removed after debootstrap. */
  remove: string[];
  /** Globs (absolute) kept even where `remove` matches, e.g. copyright files. */
  keep: string[];
}

/** A Debian root filesystem made with debootstrap, trimmed, and imported. */
export interface DebootstrapRecipe extends VersionCheck {
  kind: 'debootstrap';
  suite: string;
  variant: 'minbase';
  slim: SlimRules;
  /** Dockerfile instructions applied to the imported root filesystem. */
  changes: string[];
}

/** An image built with the classic builder from another catalogue image. */
export interface DockerfileRecipe extends VersionCheck {
  kind: 'dockerfile';
  /** The catalogue reference the Dockerfile starts FROM; it is made present first. */
  from: string;
  dockerfile: string;
  /** Other files of the build context (name → content); a script (starting with #!) is executable. */
  files?: Record<string, string>;
}

export type StandInRecipe = BusyboxRecipe | DebootstrapRecipe | DockerfileRecipe;

/** True when a probed version is the claimed one or a more precise form of it ('18' → '18.20.4'). */
export function versionMatchesClaim(claimed: string, actual: string): boolean {
  return actual === claimed || actual.startsWith(`${claimed}.`);
}
