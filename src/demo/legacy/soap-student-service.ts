/**
 * The education ministry's (KEMENDIKBUD) legacy student service for the demo federation: a
 * real SOAP service over HTTP, WSDL at `?wsdl`, looking students up by NISN or by NIK. It
 * keeps the habits of such systems: Indonesian element names, dates as DD-MM-YYYY, upper-case
 * codes, and a SOAP fault for "not found". The SOAP adapter maps it to the common Student model.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import soap from 'soap';
import type { Student } from '../../core/model/schemas/student.js';
import type { SoapBackendConfig } from '../../adapters/config.js';
import { studentWsdl } from './student-wsdl.js';

/** Where the service finds its pupils: a fixed list, or the agency's own database (the demo). */
export interface StudentDirectory {
  byNisn(nisn: string): Promise<Student | undefined>;
  byNik(nik: string): Promise<Student[]>;
}

export interface SoapStudentServiceOptions {
  /** Exactly one of `students` and `directory`. */
  students?: readonly Student[];
  directory?: StudentDirectory;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  soapVersion?: '1.1' | '1.2';
}

export interface SoapStudentService {
  /** The service endpoint. */
  url: string;
  /** `url` + `?wsdl`. */
  wsdlUrl: string;
  /** Simulates the legacy database being down: every call answers a soap:Server fault. */
  setOutage(down: boolean): void;
  close(): Promise<void>;
}

const PATH = '/ws/siswa';

/** The legacy record: what the old system stores and sends. */
interface Siswa {
  NISN: string;
  NIK: string | null;
  NamaLengkap: string;
  JenisKelamin: string;
  TanggalLahir: string;
  NPSN: string;
  NamaSekolah: string;
  Tingkat: number;
  StatusSiswa: string;
}

function toSiswa(student: Student): Siswa {
  const [year, month, day] = student.birthDate.split('-');
  return {
    NISN: student.nisn,
    NIK: student.nik,
    NamaLengkap: student.fullName.toUpperCase(),
    JenisKelamin: student.sex,
    TanggalLahir: `${day}-${month}-${year}`,
    NPSN: student.school.npsn,
    NamaSekolah: student.school.name.toUpperCase(),
    Tingkat: student.grade,
    StatusSiswa: student.status.toUpperCase(),
  };
}

function listDirectory(students: readonly Student[]): StudentDirectory {
  const byNisn = new Map<string, Student>();
  const byNik = new Map<string, Student[]>();
  for (const student of students) {
    byNisn.set(student.nisn, student);
    if (student.nik) byNik.set(student.nik, [...(byNik.get(student.nik) ?? []), student]);
  }
  return { byNisn: async (nisn) => byNisn.get(nisn), byNik: async (nik) => byNik.get(nik) ?? [] };
}

function fault(code: 'Client' | 'Server', reason: string, kode: string, soapVersion: '1.1' | '1.2'): { Fault: Record<string, unknown> } {
  if (soapVersion === '1.2') {
    return { Fault: { Code: { Value: `soap:${code === 'Client' ? 'Sender' : 'Receiver'}` }, Reason: { Text: reason }, Detail: { kode }, statusCode: 500 } };
  }
  return { Fault: { faultcode: `soap:${code}`, faultstring: reason, detail: { kode }, statusCode: 500 } };
}

/**
 * Starts the service on 127.0.0.1.
 *
 * @example
 *   const service = await startSoapStudentService({ students, port: 0 });
 *   const backend = await createBackend(studentSoapBackendConfig(service.wsdlUrl));
 */
export async function startSoapStudentService(options: SoapStudentServiceOptions): Promise<SoapStudentService> {
  const soapVersion = options.soapVersion ?? '1.1';
  const directory = options.directory ?? listDirectory(options.students ?? []);
  let outage = false;
  const guard = () => {
    if (outage) throw fault('Server', 'Basis data sedang tidak tersedia', 'DB_TIDAK_TERSEDIA', soapVersion);
  };

  const services = {
    LayananSiswa: {
      SiswaPort: {
        // node-soap answers a rejected promise carrying { Fault } with that fault.
        async CariSiswaByNisn(args: { NISN?: string }) {
          guard();
          const student = await directory.byNisn(String(args.NISN ?? ''));
          if (!student) throw fault('Client', 'Siswa tidak ditemukan', 'SISWA_TIDAK_DITEMUKAN', soapVersion);
          return { Siswa: toSiswa(student) };
        },
        async CariSiswaByNik(args: { NIK?: string }) {
          guard();
          return { Siswa: (await directory.byNik(String(args.NIK ?? ''))).map(toSiswa) };
        },
      },
    },
  };

  const server = createServer((_request, response) => {
    // node-soap answers its own path; anything else is not part of this service.
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}${PATH}`;
  soap.listen(server, { path: PATH, services, xml: studentWsdl(url, soapVersion), forceSoap12Headers: soapVersion === '1.2', suppressStack: true });

  return {
    url,
    wsdlUrl: `${url}?wsdl`,
    setOutage(down) {
      outage = down;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The SOAP adapter declaration that serves this service as `student` in the common model. */
export function studentSoapBackendConfig(wsdlUrl: string, soapVersion: '1.1' | '1.2' = '1.1'): SoapBackendConfig {
  // An absent NIK arrives as xsi:nil, which node-soap reads as an attributes object, not a string.
  const siswa = `{
    "nisn": NISN,
    "nik": $type(NIK) = "string" ? NIK : null,
    "fullName": NamaLengkap,
    "sex": JenisKelamin,
    "birthDate": $substring(TanggalLahir, 6, 4) & "-" & $substring(TanggalLahir, 3, 2) & "-" & $substring(TanggalLahir, 0, 2),
    "school": { "npsn": NPSN, "name": NamaSekolah },
    "grade": $number(Tingkat),
    "status": $lowercase(StatusSiswa)
  }`;
  return {
    type: 'soap',
    wsdl: wsdlUrl,
    soapVersion,
    timeoutMs: 5000,
    operations: [
      {
        method: 'GET',
        path: '/{nisn}',
        summary: 'Student by NISN',
        params: { type: 'object', properties: { nisn: { type: 'string', pattern: '^[0-9]{10}$' } }, required: ['nisn'] },
        operation: 'CariSiswaByNisn',
        input: '{ "NISN": nisn }',
        response: `Siswa.${siswa}`,
        notFoundFault: `$contains(reason, "tidak ditemukan")`,
      },
      {
        method: 'GET',
        path: '/by-nik/{nik}',
        summary: 'Students recorded with this NIK (more than one means a duplicate to reconcile)',
        params: { type: 'object', properties: { nik: { type: 'string', pattern: '^[0-9]{16}$' } }, required: ['nik'] },
        operation: 'CariSiswaByNik',
        input: '{ "NIK": nik }',
        response: `{ "items": [Siswa.${siswa}] }`,
      },
    ],
  };
}
