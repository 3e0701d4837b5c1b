/** An explore worker thread: loads the scenario once, then runs the chunks of runs the pool posts. */
import { serveJobs } from "../sweep/pool.js";
import { chunkRunner } from "./parallel.js";

serveJobs(chunkRunner);
