/**
 * Engines' lifetimes beyond what their owners hold: every live engine is
 * stopped at process exit, and an engine with copies in flight is held from a
 * root until they land.
 */

/** What lifetime needs of an engine. */
export interface Stoppable {
  /** Stops and joins the workers now. */
  terminate(): void;
}

const live = new Set<WeakRef<Stoppable>>();
let exitHookInstalled = false;

// process.exit() skips Node's environment cleanup hooks on the main thread:
// stop and join the workers here, or they would still be copying during exit.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const ref of live) ref.deref()?.terminate();
  });
}

const collected = new FinalizationRegistry<WeakRef<Stoppable>>((ref) => live.delete(ref));

/**
 * Engines with copies in flight. The native side holds its engine only weakly,
 * and a caller awaiting a copy is itself reachable only through the engine's
 * pending list: without this root, a collection could take the engine, the
 * promise and the awaiting function all at once, and the await would never return.
 */
const busy = new Set<Stoppable>();

/** Stops `engine` at process exit unless forgotten first; returns the token forget() takes. */
export function stopAtExit(engine: Stoppable): WeakRef<Stoppable> {
  const ref = new WeakRef(engine);
  live.add(ref);
  collected.register(engine, ref, ref);
  installExitHook();
  return ref;
}

/** The engine stopped: nothing to do for it at exit. */
export function forget(ref: WeakRef<Stoppable>): void {
  live.delete(ref);
  collected.unregister(ref);
}

/** Holds `engine` from a root (copies in flight) or lets it go. */
export function holdWhileBusy(engine: Stoppable, isBusy: boolean): void {
  if (isBusy) busy.add(engine);
  else busy.delete(engine);
}
