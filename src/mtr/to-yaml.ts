/** Converts a mysqltest file to a scenario YAML (docs/scenario-format.md) for `explore`. */
export interface ToYamlOptions {
  file: string;
  version: string;
  basedir: string;
  readFile: (p: string) => string | null;
  resolve: (...p: string[]) => string;
  dirname: (p: string) => string;
}

export function testToScenarioYaml(_text: string, _opts: ToYamlOptions): { yaml: string; warnings: string[] } {
  return { yaml: "", warnings: ["--to-yaml: not yet"] };
}
