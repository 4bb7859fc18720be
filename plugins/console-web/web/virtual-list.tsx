// A windowed list: only the rows in (and just around) the viewport are in the DOM, so 10 000
// timeline events scroll and update like 30. Rows have a fixed height unless `heightOf` says
// otherwise (an expanded tool call); offsets are prefix sums, recomputed only when items change.
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  heightOf?: (item: T) => number;
  render(item: T, index: number): ComponentChildren;
  keyOf(item: T): string | number;
  /** Keep the view pinned to the bottom while new items arrive (unless the user scrolled up). */
  follow?: boolean;
  /** Called when the user scrolls near the end (load the next page). */
  onEnd?: () => void;
  label: string;
  /** Bumped when heights change without the items array changing. */
  layoutVersion?: number;
}

const OVERSCAN = 8;

export function VirtualList<T>(p: Props<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const pinned = useRef(true);
  const followRef = useRef(p.follow);
  followRef.current = p.follow;

  const offsets = useMemo(() => {
    const o = new Float64Array(p.items.length + 1);
    for (let i = 0; i < p.items.length; i++) o[i + 1] = o[i] + (p.heightOf ? p.heightOf(p.items[i]) : p.rowHeight);
    return o;
  }, [p.items, p.items.length, p.layoutVersion]);
  const total = offsets[p.items.length];

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // Also fires when a hidden pane (a phone's tab) is shown: re-pin to the end then.
    const ro = new ResizeObserver(() => {
      setViewport(el.clientHeight || 600);
      if (followRef.current && pinned.current) el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && p.follow && pinned.current) el.scrollTop = total;
  }, [total, p.follow]);

  const onScroll = (): void => {
    const el = box.current!;
    if (el.clientHeight === 0) return; // hidden: keep the pin
    pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
    setScrollTop(el.scrollTop);
    if (p.onEnd && el.scrollTop + el.clientHeight >= el.scrollHeight - 200) p.onEnd();
  };

  // First row whose bottom is below the top of the viewport (binary search over offsets).
  let lo = 0;
  let hi = p.items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid + 1] <= scrollTop) lo = mid + 1;
    else hi = mid;
  }
  const start = Math.max(0, lo - OVERSCAN);
  let end = lo;
  while (end < p.items.length && offsets[end] < scrollTop + viewport) end++;
  end = Math.min(p.items.length, end + OVERSCAN);

  const rows = [];
  for (let i = start; i < end; i++) {
    const item = p.items[i];
    rows.push(
      <div role="listitem" class="vrow" key={p.keyOf(item)} style={{ top: `${offsets[i]}px`, height: `${offsets[i + 1] - offsets[i]}px` }}>
        {p.render(item, i)}
      </div>,
    );
  }
  return (
    <div class="vlist" ref={box} onScroll={onScroll} role="list" aria-label={p.label} tabIndex={0} data-count={p.items.length}>
      <div class="vspace" style={{ height: `${total}px` }}>
        {rows}
      </div>
    </div>
  );
}
