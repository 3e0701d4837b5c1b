/**
 * Splits a mysqltest file into commands as client/mysqltest.cc does: read_line() (a command ends
 * at the delimiter outside quotes, at the end of a line for `#` and `--` lines, after the `{` of
 * `if`/`while`, or is a `}` at the start of a line), read_command() (first word, first argument),
 * convert_to_format_v1() (result format 1: spaces after a newline dropped outside quotes) and
 * get_command_type() (a first word that names a mysqltest command, else a query for the server).
 */

/** mysqltest's command names (command_names[] in mysqltest.cc), lower case. */
export const MYSQLTEST_COMMANDS = new Set([
  "connection", "query", "connect", "sleep", "real_sleep", "inc", "dec", "source", "disconnect", "let", "echo", "while", "end",
  "system", "result", "require", "save_master_pos", "sync_with_master", "sync_slave_with_master", "error", "send", "reap",
  "dirty_close", "replace_result", "replace_column", "ping", "eval", "eval_result", "enable_query_log", "disable_query_log",
  "enable_result_log", "disable_result_log", "enable_connect_log", "disable_connect_log", "wait_for_slave_to_stop",
  "enable_warnings", "disable_warnings", "enable_info", "disable_info", "enable_session_track_info", "disable_session_track_info",
  "enable_metadata", "disable_metadata", "exec", "execw", "exec_in_background", "delimiter", "disable_abort_on_error",
  "enable_abort_on_error", "vertical_results", "horizontal_results", "query_vertical", "query_horizontal", "sorted_result",
  "lowercase_result", "start_timer", "end_timer", "character_set", "disable_ps_protocol", "enable_ps_protocol",
  "disable_reconnect", "enable_reconnect", "if", "disable_parsing", "enable_parsing", "replace_regex", "replace_numeric_round",
  "remove_file", "file_exists", "write_file", "copy_file", "perl", "die", "exit", "skip", "chmod", "append_file", "cat_file",
  "diff_files", "send_quit", "change_user", "mkdir", "rmdir", "list_files", "list_files_write_file", "list_files_append_file",
  "send_shutdown", "shutdown_server", "result_format", "move_file", "remove_files_wildcard", "send_eval", "output",
  "reset_connection",
]);

export interface Command {
  /** a mysqltest command name, "query" (a statement for the server), "end_block", "comment", "empty" */
  type: string;
  /** the text read (after `--`, leading spaces skipped, format v1 applied), without the delimiter */
  text: string;
  /** the argument after the command word (for a query: the whole text) */
  arg: string;
  file: string;
  /** the line the command starts on (1-based) */
  line: number;
  /** the delimiter in force when the command was read (echoed after a query) */
  delimiter: string;
}

export class MtrSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

/**
 * Reads every command of a file. `delimiter` is the delimiter in force when the file starts (a
 * sourced file inherits it); `delimiter` commands take effect as they are read, as in mysqltest,
 * where they run even inside a false block. Returns the commands and the delimiter at the end.
 */
export function readCommands(text: string, file: string, delimiter = ";"): { commands: Command[]; delimiter: string } {
  const out: Command[] = [];
  let pos = 0;
  let line = 1;
  const n = text.length;
  for (;;) {
    // ---- read_line()
    let buf = "";
    let state: "normal" | "q" | "slash_q" | "comment" | "line_start" = "line_start";
    let lastQuote = "";
    let lastChar = "";
    let haveSlash = false;
    let startLine = line;
    let done = false;
    let eof = false;
    while (!done) {
      if (pos >= n) {
        eof = true;
        break;
      }
      const c = text[pos++]!;
      if (c === "\n") {
        line++;
        if (buf.endsWith("\r")) buf = buf.slice(0, -1);
      }
      let skip = false;
      switch (state) {
        case "normal":
          if (text.startsWith(delimiter, pos - 1)) {
            pos += delimiter.length - 1;
            done = true;
            continue;
          }
          if (c === "{" && (/^while/i.test(buf) || /^if/i.test(buf))) {
            buf += c;
            done = true;
            continue;
          }
          if ((c === "'" || c === '"' || c === "`") && !haveSlash) {
            lastQuote = c;
            state = "q";
          }
          haveSlash = c === "\\";
          break;
        case "comment":
          if (c === "\n") {
            done = true;
            continue;
          }
          break;
        case "line_start":
          if (c === "#" || c === "-") state = "comment";
          else if (/\s/.test(c)) {
            if (c === "\n") {
              if (lastChar === "\n") {
                buf += c;
                done = true;
                continue;
              }
              startLine = line;
            }
            skip = true;
          } else if (text.startsWith(delimiter, pos - 1)) {
            pos += delimiter.length - 1;
            done = true;
            continue;
          } else if (c === "}") {
            buf += c;
            done = true;
            continue;
          } else if (c === "'" || c === '"' || c === "`") {
            lastQuote = c;
            state = "q";
          } else state = "normal";
          break;
        case "q":
          if (c === lastQuote) state = "normal";
          else if (c === "\\") state = "slash_q";
          break;
        case "slash_q":
          state = "q";
          break;
      }
      lastChar = c;
      if (!skip) buf += c;
    }
    if (eof) {
      // mysqltest: check_eol_junk() on what is left; a query without its delimiter is an error
      const rest = buf.trim();
      if (rest && state !== "comment" && !rest.startsWith("#")) throw new MtrSyntaxError(file, startLine, `end of file inside a command (missing delimiter "${delimiter}"?): "${rest.slice(0, 60)}"`);
      if (rest && (state === "comment" || rest.startsWith("#"))) pushCommand(out, buf, file, startLine, delimiter, (d) => (delimiter = d));
      return { commands: out, delimiter };
    }
    pushCommand(out, buf, file, startLine, delimiter, (d) => (delimiter = d));
  }
}

function pushCommand(out: Command[], raw: string, file: string, line: number, delimiter: string, setDelimiter: (d: string) => void): void {
  // ---- read_command()
  let p = convertToFormatV1(raw);
  let type = "";
  let withCommand = false;
  if (p.startsWith("#")) type = "comment";
  else if (p.startsWith("--")) {
    withCommand = true;
    p = p.slice(2);
  } else if (p.startsWith("\n")) type = "empty";
  p = p.replace(/^\s+/, "");
  if (type === "comment" || type === "empty") {
    out.push({ type, text: p, arg: "", file, line, delimiter });
    return;
  }
  if (!withCommand && p === "") return;
  // the first word ends at a space, '(' or the delimiter
  let i = 0;
  while (i < p.length && !/\s/.test(p[i]!) && p[i] !== "(" && !p.startsWith(delimiter, i)) i++;
  const word = p.slice(0, i);
  const arg = p.slice(i).replace(/^\s+/, "");
  // ---- get_command_type()
  if (p.startsWith("}")) type = "end_block";
  else if (MYSQLTEST_COMMANDS.has(word.toLowerCase())) type = word.toLowerCase();
  else if (withCommand) {
    if (p.trim() === "") return; // a bare "--" line
    // get_command_type(): a "--" line must name a mysqltest command (use # for a comment), else die()
    throw new MtrSyntaxError(file, line, `found line beginning with -- that didn't contain a valid mysqltest command ("--${p.slice(0, 40)}"); use # for a comment`);
  } else type = "query";
  let text = p;
  let argument = arg;
  if (word.toLowerCase() === "query") {
    // "query" forces the rest to the server
    text = arg;
  } else if (type === "query") argument = p;
  out.push({ type, text, arg: argument, file, line, delimiter });
  if (type === "delimiter") {
    const d = argument.trim();
    if (!d) throw new MtrSyntaxError(file, line, "can't set empty delimiter");
    setDelimiter(d);
  }
}

/** convert_to_format_v1(): after a newline, skip the spaces of the next line unless the last character was a quote. */
export function convertToFormatV1(q: string): string {
  let out = "";
  let i = 0;
  let lastWasQuote = false;
  while (i < q.length) {
    const c = q[i]!;
    if (c === "\n" && !lastWasQuote) {
      out += c;
      i++;
      while (i < q.length && /\s/.test(q[i]!)) i++;
      lastWasQuote = false;
    } else if (c === "'" || c === '"' || c === "`") {
      const end = q.indexOf(c, i + 1);
      const stop = end < 0 ? q.length : end + 1;
      out += q.slice(i, stop);
      i = stop;
      lastWasQuote = true;
    } else {
      out += c;
      i++;
      lastWasQuote = false;
    }
  }
  return out;
}
