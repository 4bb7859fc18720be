import { readFileSync } from "node:fs";

/**
 * When a process started, as `<boot time s>:<start ticks>`: the system boot time (/proc/stat
 * `btime`) and the process's start time in clock ticks since boot (/proc/<pid>/stat field 22).
 * A pid is reused after the process exits (and after every reboot); the pair is not. Recorded
 * with a run's pid so a later daemon kills the process only when it is still that one.
 * Null off Linux or when the process is gone.
 */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Field 2 (comm) is in parentheses and may hold spaces or ')': fields 3.. follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = fields[22 - 3];
    const boot = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "latin1"))?.[1];
    return ticks && boot ? `${boot}:${ticks}` : null;
  } catch {
    return null;
  }
}

/**
 * Whether two start identities name the same process. The start ticks must be equal; the boot
 * time may differ by a second or two (the kernel derives `btime` from the clock, which NTP moves),
 * never by a reboot.
 */
export function sameProcessStart(recorded: string, current: string): boolean {
  const [bootA, ticksA] = recorded.split(":");
  const [bootB, ticksB] = current.split(":");
  return ticksA === ticksB && Math.abs(Number(bootA) - Number(bootB)) <= 2;
}
