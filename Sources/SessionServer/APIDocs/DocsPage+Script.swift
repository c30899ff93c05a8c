extension DocsPage {
    /// The page's script, inline and allowed by its hash. It reads `openapi.json` beside the page,
    /// makes one collapsible section per tag (anchor `#/TAG`, opened on load and on `hashchange`),
    /// and one "Try it out" form per operation that sends the request with `fetch` to this origin.
    /// Every text from the document or a response goes in through `textContent`; the bearer token
    /// lives in the input field only (no storage, no cookie).
    static let script = #"""
        'use strict';
        (function () {
          var doc = null;
          var METHODS = ['get', 'post', 'put', 'patch', 'delete'];

          function el(name, attributes, children) {
            var node = document.createElement(name);
            Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
            (children || []).forEach(function (child) {
              if (child === null || child === undefined) return;
              node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
            });
            return node;
          }

          function resolve(value) {
            var seen = 0;
            while (value && typeof value.$ref === 'string' && value.$ref.indexOf('#/') === 0 && seen < 16) {
              var node = doc;
              value.$ref.slice(2).split('/').forEach(function (part) {
                node = node ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
              });
              value = node;
              seen += 1;
            }
            return value || {};
          }

          function refName(value) {
            return value && typeof value.$ref === 'string' ? value.$ref.split('/').pop() : null;
          }

          // A schema as indented text: properties, types, enums; `?` marks an optional member.
          function schemaText(schema, indent, depth) {
            var name = refName(schema);
            schema = resolve(schema);
            if (depth > 6) return name || 'object';
            var pad = new Array(indent + 1).join('  ');
            var alternatives = schema.oneOf || schema.anyOf;
            if (alternatives) {
              return alternatives.map(function (s) { return schemaText(s, indent, depth + 1); }).join(' | ');
            }
            if (schema.allOf) {
              return schema.allOf.map(function (s) { return schemaText(s, indent, depth + 1); }).join(' & ');
            }
            if (schema.const !== undefined) return JSON.stringify(schema.const);
            if (schema.enum) return schema.enum.map(function (v) { return JSON.stringify(v); }).join(' | ');
            var types = Array.isArray(schema.type) ? schema.type : [schema.type || (schema.properties ? 'object' : 'any')];
            return types.map(function (type) {
              if (type === 'array') return 'array of ' + schemaText(schema.items || {}, indent, depth + 1);
              if (type === 'object' && schema.properties) {
                var required = schema.required || [];
                var lines = Object.keys(schema.properties).map(function (key) {
                  var member = schema.properties[key];
                  var note = resolve(member).description;
                  return pad + '  ' + key + (required.indexOf(key) >= 0 ? '' : '?') + ': ' + schemaText(member, indent + 1, depth + 1)
                    + (note ? '  // ' + note : '');
                });
                return (name ? name + ' ' : '') + '{\n' + lines.join('\n') + '\n' + pad + '}';
              }
              var text = type;
              if (schema.format) text += ' (' + schema.format + ')';
              if (schema.pattern) text += ' matching ' + schema.pattern;
              if (schema.minimum !== undefined || schema.maximum !== undefined) {
                text += ' ' + (schema.minimum !== undefined ? schema.minimum : '') + '…' + (schema.maximum !== undefined ? schema.maximum : '');
              }
              if (schema.default !== undefined) text += ', default ' + JSON.stringify(schema.default);
              return text;
            }).join(' | ');
          }

          // A starting body for "Try it out": the required members, with an example, default or empty value.
          function example(schema, depth) {
            schema = resolve(schema);
            if (schema.examples && schema.examples.length) return schema.examples[0];
            if (schema.default !== undefined) return schema.default;
            if (schema.enum) return schema.enum[0];
            var type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
            if (type === 'object' || schema.properties) {
              var result = {};
              (schema.required || []).forEach(function (key) {
                if (depth < 4) result[key] = example((schema.properties || {})[key] || {}, depth + 1);
              });
              return result;
            }
            return { array: [], integer: 0, number: 0, boolean: false, string: '' }[type];
          }

          function parametersOf(pathItem, operation) {
            var byKey = {};
            (pathItem.parameters || []).concat(operation.parameters || []).forEach(function (p) {
              p = resolve(p);
              byKey[p.in + ':' + p.name] = p;
            });
            return Object.keys(byKey).map(function (key) { return byKey[key]; });
          }

          function tryItOut(path, method, parameters, requestBody) {
            var form = el('form', { class: 'try' }, [el('h4', {}, ['Try it out'])]);
            var inputs = parameters.filter(function (p) { return p.in === 'path' || p.in === 'query'; }).map(function (p) {
              var schema = resolve(p.schema);
              var input = el('input', { type: 'text', name: p.name, spellcheck: 'false' });
              input.value = p.name === 'slug' ? 'default' : '';
              input.placeholder = schemaText(schema, 0, 0);
              form.appendChild(el('label', {}, [p.name + ' (' + p.in + (p.required ? ', required' : '') + ')', input]));
              return { parameter: p, input: input };
            });
            var body = null;
            if (requestBody) {
              var media = (resolve(requestBody).content || {})['application/json'];
              body = el('textarea', { name: 'body', spellcheck: 'false' });
              body.value = JSON.stringify(example(media ? media.schema : {}, 0) || {}, null, 2);
              form.appendChild(el('label', {}, ['JSON body', body]));
            }
            var status = el('p', { class: 'result-status' });
            var output = el('pre', { class: 'result-body' });
            form.appendChild(el('button', { type: 'submit' }, ['Send ' + method.toUpperCase() + ' ' + path]));
            form.appendChild(status);
            form.appendChild(output);
            form.addEventListener('submit', function (event) {
              event.preventDefault();
              var url = path;
              var query = new URLSearchParams();
              var missing = [];
              inputs.forEach(function (entry) {
                var value = entry.input.value;
                if (entry.parameter.in === 'path') {
                  if (!value) missing.push(entry.parameter.name);
                  url = url.split('{' + entry.parameter.name + '}').join(encodeURIComponent(value));
                } else if (value) {
                  query.append(entry.parameter.name, value);
                }
              });
              if (missing.length) {
                status.textContent = 'Fill in ' + missing.join(', ');
                output.textContent = '';
                return;
              }
              if (query.toString()) url += '?' + query.toString();
              var headers = { Accept: 'application/json' };
              var token = document.getElementById('token').value.trim();
              if (token) headers.Authorization = 'Bearer ' + token;
              var init = { method: method.toUpperCase(), headers: headers, credentials: 'same-origin', cache: 'no-store' };
              if (body) {
                headers['Content-Type'] = 'application/json';
                init.body = body.value;
              }
              status.textContent = 'Sending ' + init.method + ' ' + url + ' …';
              output.textContent = '';
              fetch(url, init).then(function (response) {
                var notes = ['WWW-Authenticate', 'Retry-After', 'Location'].filter(function (name) {
                  return response.headers.get(name);
                }).map(function (name) { return name + ': ' + response.headers.get(name); });
                status.textContent = response.status + ' ' + response.statusText + (notes.length ? ' (' + notes.join('; ') + ')' : '');
                return response.text().then(function (text) {
                  try { output.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { output.textContent = text; }
                });
              }).catch(function (error) {
                status.textContent = 'The request failed: ' + error;
              });
            });
            return form;
          }

          function operationView(path, pathItem, method, operation) {
            var parameters = parametersOf(pathItem, operation);
            var summary = el('summary', {}, [
              el('span', { class: 'method ' + method }, [method.toUpperCase()]),
              el('code', { class: 'path' }, [path]),
              operation.summary ? el('span', { class: 'summary' }, [operation.summary]) : null
            ]);
            var body = el('div', { class: 'body' });
            if (operation.description) body.appendChild(el('p', {}, [operation.description]));
            if (operation.deprecated) body.appendChild(el('p', { class: 'muted' }, ['Deprecated.']));
            var security = operation.security || doc.security || [];
            var schemes = security.map(function (entry) { return Object.keys(entry).join(' + '); }).filter(Boolean);
            body.appendChild(el('p', { class: 'muted' }, ['Authentication: ' + (schemes.length ? schemes.join(' or ') : 'none')]));
            if (parameters.length) {
              body.appendChild(el('h4', {}, ['Parameters']));
              body.appendChild(el('table', {}, [el('tbody', {}, parameters.map(function (p) {
                return el('tr', {}, [
                  el('td', {}, [el('code', {}, [p.name])]),
                  el('td', {}, [p.in + (p.required ? ', required' : '')]),
                  el('td', {}, [el('code', {}, [schemaText(p.schema || {}, 0, 0)])]),
                  el('td', {}, [p.description || ''])
                ]);
              }))]));
            }
            if (operation.requestBody) {
              var content = resolve(operation.requestBody).content || {};
              body.appendChild(el('h4', {}, ['Request body']));
              Object.keys(content).forEach(function (type) {
                body.appendChild(el('pre', {}, [type + '\n' + schemaText(content[type].schema || {}, 0, 0)]));
              });
            }
            body.appendChild(el('h4', {}, ['Responses']));
            Object.keys(operation.responses || {}).forEach(function (code) {
              var response = resolve(operation.responses[code]);
              var lines = [code + ' ' + (response.description || '')];
              Object.keys(response.headers || {}).forEach(function (name) { lines.push('header ' + name); });
              Object.keys(response.content || {}).forEach(function (type) {
                // An error body is the same on every operation of a surface: its name is enough.
                var schema = response.content[type].schema || {};
                lines.push(type + ': ' + (code.charAt(0) >= '4' && refName(schema) ? refName(schema) : schemaText(schema, 0, 0)));
              });
              body.appendChild(el('pre', { class: 'response' }, [lines.join('\n')]));
            });
            body.appendChild(tryItOut(path, method, parameters, operation.requestBody));
            var attributes = { class: 'op' + (operation.deprecated ? ' deprecated' : '') };
            if (operation.operationId) attributes.id = 'op-' + operation.operationId;
            return el('details', attributes, [summary, body]);
          }

          function render() {
            document.getElementById('title').textContent = doc.info.title;
            document.title = doc.info.title;
            document.getElementById('version').textContent = 'Version ' + doc.info.version + ' · OpenAPI ' + doc.openapi;
            document.getElementById('description').appendChild(el('p', {}, [doc.info.description || '']));
            var sections = {};
            var order = [];
            function section(tag, description) {
              if (sections[tag]) return sections[tag];
              var details = el('details', { class: 'tag', id: 'tag-' + tag, 'data-tag': tag }, [
                el('summary', {}, [el('h2', {}, [tag]), description ? el('p', {}, [description]) : null])
              ]);
              sections[tag] = details;
              order.push(tag);
              return details;
            }
            (doc.tags || []).forEach(function (tag) { section(tag.name, tag.description); });
            Object.keys(doc.paths || {}).forEach(function (path) {
              var pathItem = doc.paths[path];
              METHODS.forEach(function (method) {
                var operation = pathItem[method];
                if (!operation) return;
                (operation.tags && operation.tags.length ? operation.tags : ['other']).forEach(function (tag) {
                  section(tag).appendChild(operationView(path, pathItem, method, operation));
                });
              });
            });
            var main = document.getElementById('operations');
            var nav = document.getElementById('tags');
            main.textContent = '';
            order.forEach(function (tag) {
              main.appendChild(sections[tag]);
              nav.appendChild(el('a', { href: '#/' + encodeURIComponent(tag) }, [tag]));
            });
          }

          // #/TAG opens that surface's section; #/TAG/OPERATION_ID opens one operation in it.
          function openFromHash() {
            var parts = location.hash.replace(/^#\/?/, '').split('/').map(function (part) {
              try { return decodeURIComponent(part); } catch (e) { return part; }
            });
            if (!parts[0]) return;
            var target = null;
            document.querySelectorAll('details.tag').forEach(function (details) {
              if (details.getAttribute('data-tag') === parts[0]) {
                details.open = true;
                target = details;
              }
            });
            if (target && parts[1]) {
              target.querySelectorAll('details.op').forEach(function (details) {
                if (details.id === 'op-' + parts[1]) {
                  details.open = true;
                  target = details;
                }
              });
            }
            if (target) target.scrollIntoView();
          }

          fetch('openapi.json', { cache: 'no-cache' }).then(function (response) {
            if (!response.ok) throw new Error('openapi.json answered ' + response.status);
            return response.json();
          }).then(function (document_) {
            doc = document_;
            render();
            openFromHash();
            window.addEventListener('hashchange', openFromHash);
          }).catch(function (error) {
            document.getElementById('status').textContent = 'Cannot read the OpenAPI document: ' + error;
          });
        })();
        """#
}
