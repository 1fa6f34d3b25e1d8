// Runs one JavaScript snippet of docs/client-integration.md, as JavaScriptGraphSdkTests wrote it
// out (the gateway's test address in place of gateway.contoso.example), and prints how it ended
// as one line of JSON: completed, or the error it raised, with what a GraphError carries.
import { pathToFileURL } from "node:url";
import { GraphError } from "@microsoft/microsoft-graph-client";

let outcome;
try {
  await import(pathToFileURL(process.argv[2]).href);
  outcome = { outcome: "completed" };
} catch (error) {
  outcome = {
    outcome: "failed",
    graphError: error instanceof GraphError,
    statusCode: error.statusCode ?? null,
    code: error.code ?? null,
    message: String(error.message),
  };
}
console.log(JSON.stringify(outcome));
