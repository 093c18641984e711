/**
 * The longest command line the terminal takes, typed or sent: a longer one is refused with a
 * sentence before any parser reads it. Real commands are far shorter; a socket frame is 64 KiB.
 */
export const MAX_COMMAND_LINE = 16 * 1024;
