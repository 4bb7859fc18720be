/** A spinner on stderr for long waits, only when stderr is a terminal (never on stdout, never in pipes). */
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

/** Ctrl-C while spinning: clear the line first, then exit the way a shell expects (128 + SIGINT). */
const exitOnInterrupt = (): void => process.exit(130);

export function startSpinner(text: string, stream: NodeJS.WriteStream = process.stderr, onInterrupt: () => void = exitOnInterrupt): Spinner {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  let frame = 0;
  let label = text;
  const draw = (): void => {
    stream.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${label}`);
  };
  draw();
  const timer = setInterval(draw, 100);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    process.off("SIGINT", interrupted);
    stream.write("\r\u001b[2K");
  };
  const interrupted = (): void => {
    stop();
    onInterrupt();
  };
  process.once("SIGINT", interrupted);
  return {
    update(next) {
      label = next;
    },
    stop,
  };
}
