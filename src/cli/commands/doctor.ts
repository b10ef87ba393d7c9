import type { Command } from 'commander';
import type { SetOutcome } from '../output.js';
import { jsonOption } from '../options.js';
import { EXIT_LAB_ERROR, EXIT_OK, makeOutput } from '../output.js';

export function registerDoctor(program: Command, setOutcome: SetOutcome): void {
  program
    .command('doctor')
    .description(
      "report the kernel's features, the tools found, and which path each lab feature takes here (exit 2 when something every lab needs is missing: ip, tcpdump, TUN, the native addon)",
    )
    .addOption(jsonOption())
    .action((o: { json?: boolean }) => setOutcome(doctor(o)));
}

async function doctor(o: { json?: boolean }): Promise<number> {
  const out = makeOutput(!!o.json);
  const { doctorReport } = await import('../../lab/doctor.js');
  const r = await doctorReport();
  const lines = [`kernel ${r.kernel}`];
  for (const f of r.features) lines.push(`  ${f.present ? '✓' : '✗'} ${f.name.padEnd(13)} ${f.note}`);
  lines.push('tools');
  for (const t of r.tools)
    lines.push(`  ${t.found ? '✓' : '✗'} ${t.name.padEnd(10)} ${t.found ? t.path : `not found: ${t.neededFor}`}`);
  lines.push('native addon');
  lines.push(r.addon.ok ? `  ✓ ${r.addon.path}` : `  ✗ ${r.addon.advice}`);
  lines.push('lab features');
  for (const p of r.paths) lines.push(`  ${p.feature.padEnd(22)} ${p.path}`);
  out.result(lines.join('\n'), r);
  return r.ready ? EXIT_OK : EXIT_LAB_ERROR;
}
