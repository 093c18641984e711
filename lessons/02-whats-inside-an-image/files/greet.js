// The greeter lists the parts of the image it is running in.
const config = require('./config.json');

const greeting = process.env.GREETING || '(GREETING is not set)';
console.log(`${greeting} from ${config.appName}!`);
console.log(`  code:          ${__filename}`);
console.log(`  runtime:       Node.js ${process.version}`);
console.log(`  libraries:     OpenSSL ${process.versions.openssl}, zlib ${process.versions.zlib}, libuv ${process.versions.uv}`);
console.log(`  configuration: config.json says appName is "${config.appName}"`);
console.log(`  environment:   GREETING=${process.env.GREETING}`);
