// The docs page's "try it" panels: one per channel, each opening the channel's WebSocket
// (address parameters and the API key filled in by the reader), sending any example of the
// messages the server receives there (editable) and listing the frames that come back, the
// runtime's error frame marked as one. Written with DOM calls only: nothing the document or
// the server says is ever read as markup.
(function () {
  "use strict";
  const doc = JSON.parse(document.getElementById("asyncapi-document").textContent);
  const root = document.getElementById("try-it");

  // The value a local `$ref` points at, followed until it is not one.
  function resolve(value) {
    for (let hops = 0; value && typeof value.$ref === "string" && hops < 32; hops++) {
      let at = doc;
      for (const token of value.$ref.replace(/^#\/?/, "").split("/")) {
        if (at === undefined) break;
        at = at[decodeURIComponent(token).replace(/~1/g, "/").replace(/~0/g, "~")];
      }
      value = at;
    }
    return value;
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  }

  function field(label, input) {
    return element("label", { class: "try-it-field" }, element("span", {}, label), input);
  }

  function panel(key, channel) {
    const channelRef = "#/channels/" + key.replace(/~/g, "~0").replace(/\//g, "~1");
    const operations = Object.values(doc.operations || {}).filter(
      (o) => o.channel && (o.channel.$ref === channelRef || resolve(o.channel) === channel)
    );
    // Examples of what the server receives here: what a reader can send.
    const examples = [];
    const schemes = new Map();
    for (const operation of operations) {
      for (const requirement of operation.security || []) {
        const scheme = resolve(requirement);
        if (scheme) schemes.set(JSON.stringify(scheme), scheme);
      }
      if (operation.action !== "receive") continue;
      for (const reference of operation.messages || []) {
        const message = resolve(reference);
        if (!message) continue;
        const name = message.name || reference.$ref.split("/").pop();
        (message.examples || []).forEach((example, at) => {
          if (example.payload === undefined) return;
          const label = example.name ? `${name}: ${example.name}` : message.examples.length > 1 ? `${name} ${at + 1}` : name;
          examples.push({ label, text: JSON.stringify(example.payload, null, 2) });
        });
      }
    }
    const address = channel.address || "/" + key;
    const section = element("details", { class: "try-it-channel", "data-channel": key });
    section.append(element("summary", {}, element("code", {}, address), " " + (channel.title || key)));

    const inputs = {};
    for (const [name, parameter] of Object.entries(channel.parameters || {})) {
      const resolved = resolve(parameter) || {};
      const input = element("input", { name: "parameter-" + name, placeholder: name });
      const suggested = resolved.default || (resolved.examples || [])[0] || (resolved.enum || [])[0];
      if (suggested !== undefined) input.value = suggested;
      inputs[name] = input;
      section.append(field(name, input));
    }
    // A browser's WebSocket can carry a credential in the query only: query API keys are
    // asked for; other schemes are named so the reader knows why a refusal comes.
    const credentials = [];
    for (const scheme of schemes.values()) {
      if (scheme.type === "httpApiKey" && scheme.in === "query" && scheme.name) {
        const input = element("input", { name: "credential-" + scheme.name, placeholder: scheme.name });
        credentials.push([scheme.name, input]);
        section.append(field(scheme.name, input));
        if (scheme.description) section.append(element("p", { class: "try-it-hint" }, scheme.description));
      } else {
        section.append(element("p", { class: "try-it-hint" }, `Needs ${scheme.type}${scheme.in ? " in " + scheme.in : ""}, which a browser's WebSocket cannot send.`));
      }
    }

    const connect = element("button", { type: "button", class: "try-it-connect" }, "Connect");
    const state = element("span", { class: "try-it-state" }, "closed");
    section.append(element("div", {}, connect, " ", state));

    const choice = element("select", { name: "example" });
    examples.forEach((example, at) => choice.append(element("option", { value: String(at) }, example.label)));
    const text = element("textarea", { name: "frame", rows: "6", cols: "60", spellcheck: "false" });
    text.value = examples.length ? examples[0].text : "{}";
    choice.addEventListener("change", () => (text.value = examples[Number(choice.value)].text));
    const send = element("button", { type: "button", class: "try-it-send", disabled: "" }, "Send");
    section.append(field("example", choice), element("div", {}, text), send);
    const log = element("ol", { class: "try-it-log" });
    section.append(log);

    function note(kind, body) {
      const entry = element("li", { class: "try-it-" + kind.replace(" ", "-") }, element("strong", {}, kind + " "), element("code", {}, body));
      log.append(entry);
      entry.scrollIntoView({ block: "nearest" });
    }

    let socket = null;
    connect.addEventListener("click", () => {
      if (socket) {
        socket.close();
        return;
      }
      let path = address.replace(/\{([^}]+)\}/g, (_, name) => encodeURIComponent(inputs[name] ? inputs[name].value : ""));
      const query = credentials.filter(([, input]) => input.value).map(([name, input]) => encodeURIComponent(name) + "=" + encodeURIComponent(input.value));
      if (query.length) path += (path.includes("?") ? "&" : "?") + query.join("&");
      const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
      socket = new WebSocket(url);
      state.textContent = "connecting to " + path;
      socket.onopen = () => {
        state.textContent = "open";
        connect.textContent = "Close";
        send.removeAttribute("disabled");
      };
      socket.onmessage = (event) => {
        const body = String(event.data);
        let kind = "received";
        try {
          const frame = JSON.parse(body);
          if (frame && typeof frame === "object" && frame.error && typeof frame.error.code === "string") kind = "error frame";
        } catch (_) {}
        note(kind, body);
      };
      socket.onclose = (event) => {
        state.textContent = "closed" + (event.code ? ` (${event.code}${event.reason ? ": " + event.reason : ""})` : "");
        connect.textContent = "Connect";
        send.setAttribute("disabled", "");
        socket = null;
      };
      socket.onerror = () => note("failed", "the connection was refused or dropped");
    });
    send.addEventListener("click", () => {
      if (!socket) return;
      socket.send(text.value);
      note("sent", text.value);
    });
    return section;
  }

  root.append(element("h2", {}, "Try it"));
  root.append(element("p", {}, "Open a channel's WebSocket on this server and send its examples; what comes back is listed below each."));
  for (const [key, channel] of Object.entries(doc.channels || {})) {
    const resolved = resolve(channel);
    if (resolved) root.append(panel(key, resolved));
  }
})();
