import { useEffect, useState } from "react";

// Renders its children once the first screen has been painted, so content
// below the fold does not hold up the first paint. No server round trip.
export function AfterFirstPaint({ children }) {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    let timer;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setPainted(true), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);
  return painted ? children : null;
}
