// The kubernetes-models validators check types, enums and required fields but let unknown fields through (a typo
// such as `spec.timeZone` passes, and Argo or the API server would drop or reject it later). This walks a
// manifest alongside the models' own TypeScript declarations (ICronWorkflow, IConfigMap, ...) with the
// TypeScript compiler's type checker and reports every field the declared type does not have.
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** apiVersion/kind → the module and interface of its model. */
export const MODEL_TYPES: Readonly<Record<string, { module: string; type: string }>> = {
  'v1/Namespace': { module: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'rbac.authorization.k8s.io/v1/Role': { module: 'kubernetes-models/rbac.authorization.k8s.io/v1/Role', type: 'IRole' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { module: 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding', type: 'IRoleBinding' },
  'argoproj.io/v1alpha1/CronWorkflow': { module: '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/CronWorkflow', type: 'ICronWorkflow' },
};

export interface FieldProblem {
  /** e.g. spec.workflowSpec.templates[0].container.securityContext.runAsUsr */
  readonly path: string;
  readonly message: string;
}

let cached: { checker: ts.TypeChecker; types: Map<string, ts.Type> } | undefined;

/** One program over a virtual file that names every model type; built once per process (about a second). */
function modelTypes(): { checker: ts.TypeChecker; types: Map<string, ts.Type> } {
  if (cached) return cached;
  const here = path.dirname(createRequire(import.meta.url).resolve('kubernetes-models/package.json'));
  const root = path.resolve(here, '..', '..'); // the repository: node_modules/kubernetes-models/..
  const virtual = path.join(root, '__deploy_model_types__.ts');
  const entries = Object.entries(MODEL_TYPES);
  const source = entries.map(([, m], i) => `import type { ${m.type} as T${i} } from '${m.module}';\nexport type M${i} = T${i};`).join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError, create) =>
    path.resolve(file) === virtual ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === virtual || fileExists(file);
  const program = ts.createProgram([virtual], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(virtual);
  if (!file) throw new Error('the model type file did not load');
  const errors = ts.getPreEmitDiagnostics(program, file);
  if (errors.length > 0) throw new Error(`model types do not resolve: ${ts.flattenDiagnosticMessageText(errors[0]?.messageText, ' ')}`);
  const types = new Map<string, ts.Type>();
  for (const statement of file.statements) {
    if (!ts.isTypeAliasDeclaration(statement)) continue;
    const index = Number(statement.name.text.slice(1));
    const key = entries[index]?.[0];
    if (key !== undefined) types.set(key, checker.getTypeAtLocation(statement.name));
  }
  cached = { checker, types };
  return cached;
}

/** Every field of `doc` (a parsed manifest) that its model's declared type does not have. */
export function unknownFields(doc: Record<string, unknown>): FieldProblem[] {
  const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
  const { checker, types } = modelTypes();
  const type = types.get(key);
  if (!type) return [{ path: '', message: `no model for ${key}` }];
  const problems: FieldProblem[] = [];
  walk(checker, doc, type, '', problems);
  return problems;
}

function walk(checker: ts.TypeChecker, value: unknown, type: ts.Type, at: string, problems: FieldProblem[]): void {
  if (value === null || typeof value !== 'object') return; // scalars: the models' validators check types
  const candidates = objectMembers(checker, type);
  if (candidates.length === 0) return; // `any`, `unknown` or a scalar type: nothing to check structurally
  if (Array.isArray(value)) {
    const elementTypes = candidates.flatMap((t) => (checker.isArrayType(t) ? (checker.getTypeArguments(t as ts.TypeReference)[0] ?? []) : []));
    const element = elementTypes[0];
    if (element) {
      value.forEach((item, i) => {
        walk(checker, item, element, `${at}[${i}]`, problems);
      });
    }
    return;
  }
  for (const [field, child] of Object.entries(value)) {
    const where = at ? `${at}.${field}` : field;
    let childType: ts.Type | undefined;
    for (const candidate of candidates) {
      const property = candidate.getProperty(field);
      if (property) {
        childType = checker.getNonNullableType(checker.getTypeOfSymbol(property));
        break;
      }
      const index = checker.getIndexTypeOfType(candidate, ts.IndexKind.String);
      if (index) {
        childType = index;
        break;
      }
    }
    if (!childType) {
      const known = candidates.flatMap((c) => c.getProperties().map((p) => p.name));
      const close = known.filter((k) => k.toLowerCase() === field.toLowerCase());
      problems.push({ path: where, message: `unknown field '${field}'${close.length > 0 ? ` (did you mean '${close[0] ?? ''}'?)` : ''}` });
      continue;
    }
    walk(checker, child, childType, where, problems);
  }
}

/** The object-like members of a (possibly union, possibly nullable) type. */
function objectMembers(checker: ts.TypeChecker, type: ts.Type): ts.Type[] {
  const plain = checker.getNonNullableType(type);
  const members = plain.isUnion() ? plain.types : [plain];
  return members.filter((t) => (t.flags & ts.TypeFlags.Object) !== 0 || t.isIntersection());
}
