// Entry of the gradient panel's script (built to dist/webview/main.js with main.css).
import "@vscode/codicons/dist/codicon.css";
import "./styles.css";
import { render } from "preact";
import { App } from "./App";
import { pageHost } from "./host";

render(<App host={pageHost()} />, document.getElementById("root") ?? document.body);
