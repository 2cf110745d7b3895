// Reads an expression from argv and prints its value.
import { parse } from './parser.js';
import { evaluate } from './evaluate.js';
console.log(evaluate(parse(process.argv[2] ?? '0')));
