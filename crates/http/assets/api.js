// 考评 pages' one way to this server's API, shared by the dashboard and the console: a fetch
// with the bearer token (never cookies, never cached) whose error envelope
// {error:{code,message,details}} becomes an ApiError.
'use strict';

// eslint-disable-next-line no-unused-vars
const KaopingApi = (function () {
  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details;
    }
  }

  /** `url` (a URL), with `token`, `accept`, and for a write `method` and a JSON `body`. */
  async function call(url, options) {
    const o = options || {};
    const headers = { Accept: o.accept || 'application/json' };
    if (o.token) headers.Authorization = 'Bearer ' + o.token;
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    let resp;
    try {
      resp = await fetch(url, {
        method: o.method || 'GET',
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'network', '无法连接服务器（' + e.message + '）', null);
    }
    if (resp.ok) return resp;
    let envelope = null;
    try {
      envelope = await resp.json();
    } catch (_) {
      envelope = null;
    }
    const err = envelope && envelope.error;
    if (err) throw new ApiError(resp.status, err.code, err.message, err.details);
    throw new ApiError(resp.status, 'http_' + resp.status, 'HTTP ' + resp.status, null);
  }

  return { ApiError, call };
})();
