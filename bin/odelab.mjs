#!/usr/bin/env node
console.log("bin ok")
