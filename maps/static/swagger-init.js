/* Swagger UI for /docs, started from this file: the page's Content-Security-Policy runs
 * no inline script. Its assets come from Yizhan (/static/docs/, the fastapi-offline
 * package), never a CDN. */
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No online validator badge: it would load an image from a server outside.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
