/** Placeholder until the sweep issue lands: says so plainly instead of pretending. */
export async function sweepCli(_args: Record<string, unknown>): Promise<number> {
  process.stderr.write("mysqlsim sweep: not built yet (issue 11); run `mysqlsim run --set` per point meanwhile\n");
  return 2;
}
