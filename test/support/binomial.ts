// Exact binomial acceptance interval: the smallest [lo, hi] holding at least `level` of the mass,
// split equally between the tails. Used to judge loss counts without a flaky fixed tolerance.
export function binomialInterval(n: number, p: number, level = 0.99): [number, number] {
  const pmf: number[] = [];
  let logC = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    pmf.push(Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p)));
  }
  const tail = (1 - level) / 2;
  let lo = 0;
  let acc = 0;
  while (lo < n && acc + pmf[lo]! <= tail) acc += pmf[lo++]!;
  let hi = n;
  acc = 0;
  while (hi > 0 && acc + pmf[hi]! <= tail) acc += pmf[hi--]!;
  return [lo, hi];
}
